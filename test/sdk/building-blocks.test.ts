/**
 * The SDK's pure parts, without a server: the SSE reader, the completion accumulator, the error
 * mapping, the filter formatting and the URL rules. The server-facing behaviour of each is tested
 * in the other files of this folder.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  FilterBindingError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  T66Client,
  T66Error,
  accumulateCompletion,
  filter,
  readServerSentEvents,
  type ChatCompletionChunk,
} from '../../sdk/js/src/index.js';
import { errorFromResponse, parseRetryAfter } from '../../sdk/js/src/errors.js';
import { resolveUrls } from '../../sdk/js/src/http.js';

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

async function events(...parts: string[]) {
  const out = [];
  for await (const event of readServerSentEvents(streamOf(...parts))) out.push(event);
  return out;
}

describe('reading server-sent events', () => {
  it('yields each data frame and skips comment lines such as keep-alive pings', async () => {
    const got = await events(': ping\n\n', 'data: {"a":1}\n\n', 'data: [DONE]\n\n');
    expect(got.map((e) => e.data)).toEqual(['{"a":1}', '[DONE]']);
  });

  it('reassembles frames split anywhere, including inside a multi-byte character and between \\r and \\n', async () => {
    const text = 'data: {"t":"héllo ✓"}\r\n\r\ndata: second\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const got = [];
    for await (const event of readServerSentEvents(stream)) got.push(event.data);
    expect(got).toEqual(['{"t":"héllo ✓"}', 'second']);
  });

  it('joins multi-line data with newlines and keeps the event name and id', async () => {
    const got = await events('event: update\nid: 7\ndata: line one\ndata: line two\n\n');
    expect(got).toEqual([{ event: 'update', id: '7', data: 'line one\nline two' }]);
  });

  it('drops an event cut off before its closing blank line', async () => {
    const got = await events('data: whole\n\n', 'data: {"half":');
    expect(got.map((e) => e.data)).toEqual(['whole']);
  });
});

function chunk(choices: ChatCompletionChunk['choices'], extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return { id: 'chatcmpl_1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices, ...extra };
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('accumulating a streamed completion', () => {
  it('concatenates text into the chat.completion the same request answers without streaming', async () => {
    const completion = await accumulateCompletion(
      fromArray([
        chunk([{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
        chunk([], { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
      ]),
    );
    expect(completion).toEqual({
      id: 'chatcmpl_1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('merges parallel tool calls by index, joining their argument pieces', async () => {
    const completion = await accumulateCompletion(
      fromArray([
        chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz":' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: '"UTC"}' } }] }, finish_reason: 'tool_calls' }]),
      ]),
    );
    const choice = completion.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz":"UTC"}' } },
    ]);
    expect(JSON.parse(choice.message.tool_calls![1].function.arguments)).toEqual({ tz: 'UTC' });
  });
});

describe('typed errors', () => {
  const envelope = (code: string) => ({ error: { code, message: `${code} happened`, details: { field: 'x' } } });

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [502, ServerError],
  ] as const)('maps status %i to its class, keeping code, message and details', (status, Class) => {
    const error = errorFromResponse(status, envelope('some_code'), new Headers({ 'x-request-id': 'req-1' }));
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(T66Error);
    expect(error).toMatchObject({ status, code: 'some_code', message: 'some_code happened', details: { field: 'x' }, requestId: 'req-1' });
  });

  it('reads retryAfter from Retry-After seconds, an HTTP date, or details.retry_after', () => {
    const seconds = errorFromResponse(429, envelope('rate_limited'), new Headers({ 'retry-after': '30' }));
    expect((seconds as RateLimitError).retryAfter).toBe(30);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:42 GMT', now)).toBe(42);
    const fromDetails = errorFromResponse(429, { error: { code: 'rate_limited', message: 'slow down', details: { retry_after: 12 } } });
    expect((fromDetails as RateLimitError).retryAfter).toBe(12);
  });

  it('still answers a T66Error for a body that is not the envelope', () => {
    const error = errorFromResponse(503, 'Service Unavailable');
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 503, code: 'http_503', message: 'Service Unavailable', details: {} });
  });
});

describe('binding filter values', () => {
  it('quotes strings so that only a backslash before the quote is an escape', () => {
    expect(filter('title = {:v}', { v: "it's" })).toBe(`title = "it's"`);
    expect(filter('title = {:v}', { v: 'say "hi"' })).toBe(`title = 'say "hi"'`);
    expect(filter('title = {:v}', { v: `both ' and "` })).toBe(`title = 'both \\' and "'`);
    expect(filter('title = {:v}', { v: 'back\\slash' })).toBe(`title = 'back\\slash'`);
  });

  it('writes numbers in the grammar\'s decimal form, and booleans, null and dates as PocketBase does', () => {
    expect(filter('a = {:n} && b = {:m} && c = {:s}', { n: -2.5, m: 1e21, s: 1e-7 })).toBe('a = -2.5 && b = 1000000000000000000000 && c = 0.0000001');
    expect(filter('a = {:t} && b = {:f} && c = {:z}', { t: true, f: false, z: null })).toBe('a = true && b = false && c = null');
    expect(filter('created > {:d}', { d: new Date('2025-01-02T03:04:05.678Z') })).toBe("created > '2025-01-02 03:04:05.678Z'");
  });

  it('refuses what the grammar cannot hold exactly instead of changing it', () => {
    expect(() => filter('title = {:v}', { v: 'ends with \\' })).toThrow(FilterBindingError);
    expect(() => filter('a = {:n}', { n: Number.NaN })).toThrow(FilterBindingError);
    expect(() => filter('a = {:missing}', {})).toThrow(/no value bound for \{:missing\}/);
  });
});

describe('the apiUrl', () => {
  it('accepts the server root or the /api base, with or without a trailing slash', () => {
    for (const url of ['http://localhost:8090', 'http://localhost:8090/', 'http://localhost:8090/api', 'http://localhost:8090/api/']) {
      expect(resolveUrls(url)).toEqual({ root: 'http://localhost:8090', apiBase: 'http://localhost:8090/api' });
    }
    expect(new T66Client({ apiUrl: 'https://t66.example.com/api' }).apiBase).toBe('https://t66.example.com/api');
  });

  it('refuses something that is not an http(s) URL', () => {
    expect(() => new T66Client({ apiUrl: 'localhost:8090' })).toThrow(TypeError);
  });
});
