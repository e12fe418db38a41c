/** `client.chat.completions`: OpenAI-compatible completions, whole or streamed over SSE. */
import { createChatCompletion } from './generated/sdk.gen.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ToolCall, Usage } from './generated/types.gen.js';
import { T66Error, connectionError, errorFromEnvelope } from './errors.js';
import { readServerSentEvents } from './sse.js';
import { unwrap, type Transport } from './http.js';

export interface RequestOptions {
  /** Aborts the request (and, for a stream, the stream). */
  signal?: AbortSignal;
}

/** A streamed completion: iterate it with `for await`. */
export interface CompletionStream extends AsyncIterable<ChatCompletionChunk> {
  /** The HTTP answer, for its headers (e.g. `X-RateLimit-Remaining`). */
  readonly response: Response;
  /** Stops the stream; the server stops the upstream request too. */
  abort(): void;
  /** Reads the rest of the stream and answers it accumulated into one `chat.completion`. */
  finalCompletion(): Promise<ChatCompletion>;
}

export interface Completions {
  create(body: ChatCompletionRequest & { stream: true }, options?: RequestOptions): Promise<CompletionStream>;
  create(body: ChatCompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  create(body: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion | CompletionStream>;
}

function linkSignals(outer: AbortSignal | undefined, controller: AbortController) {
  if (!outer) return;
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
}

async function* chunksOf(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
  // Whatever the runtime does with an aborted body (error it, or just end it), the caller sees the abort.
  const abortedError = () => connectionError(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
  try {
    for await (const event of readServerSentEvents(body)) {
      if (signal.aborted) throw abortedError();
      if (event.data === '[DONE]') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        throw new T66Error({ status: 0, code: 'invalid_stream', message: `The stream sent a frame that is not JSON: ${event.data.slice(0, 200)}` });
      }
      const failure = errorFromEnvelope(parsed);
      if (failure) throw failure;
      yield parsed as ChatCompletionChunk;
    }
  } catch (err) {
    if (err instanceof T66Error) throw err;
    throw signal.aborted ? abortedError() : connectionError(err);
  }
  if (signal.aborted) throw abortedError();
  throw new T66Error({ status: 0, code: 'incomplete_stream', message: 'The stream ended before data: [DONE]' });
}

function toStream(response: Response, controller: AbortController): CompletionStream {
  let used = false;
  const stream: CompletionStream = {
    response,
    abort: () => controller.abort(),
    [Symbol.asyncIterator]() {
      if (used) throw new TypeError('A completion stream can be iterated only once');
      used = true;
      if (!response.body) throw new T66Error({ status: 0, code: 'invalid_stream', message: 'The stream has no body' });
      return chunksOf(response.body, controller.signal);
    },
    finalCompletion: () => accumulateCompletion(stream),
  };
  return stream;
}

export function createCompletions(transport: Transport): Completions {
  async function create(body: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletion | CompletionStream> {
    if (!body.stream) {
      return unwrap(createChatCompletion({ client: transport.client, body, signal: options.signal }));
    }
    const controller = new AbortController();
    linkSignals(options.signal, controller);
    const result = await createChatCompletion({
      client: transport.client,
      body,
      parseAs: 'stream',
      signal: controller.signal,
      headers: { Accept: 'text/event-stream' },
    });
    if (!result.response?.ok) await unwrap(Promise.resolve(result));
    return toStream(result.response, controller);
  }
  return { create: create as Completions['create'] };
}

type Choice = ChatCompletion['choices'][number];

interface ToolCallDelta {
  index?: unknown;
  id?: unknown;
  type?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

function mergeToolCall(calls: ToolCall[], delta: ToolCallDelta, position: number) {
  const index = typeof delta.index === 'number' ? delta.index : position;
  const call = (calls[index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
  if (typeof delta.id === 'string' && delta.id) call.id = delta.id;
  if (delta.type === 'function') call.type = delta.type;
  const fn = delta.function;
  if (fn && typeof fn.name === 'string' && fn.name) call.function.name = fn.name;
  if (fn && typeof fn.arguments === 'string') call.function.arguments += fn.arguments;
}

/**
 * Accumulates streamed chunks into the `chat.completion` the same request would have answered
 * without `stream`: text concatenated, tool calls merged by `index` (arguments joined), the
 * finish reason and, with `stream_options.include_usage`, the usage.
 */
export async function accumulateCompletion(
  chunks: AsyncIterable<ChatCompletionChunk>,
  onChunk?: (chunk: ChatCompletionChunk) => void,
): Promise<ChatCompletion> {
  const completion: ChatCompletion = { id: '', object: 'chat.completion', created: 0, model: '', choices: [] };
  const toolCalls = new Map<number, ToolCall[]>();
  let usage: Usage | undefined;
  for await (const chunk of chunks) {
    onChunk?.(chunk);
    completion.id ||= chunk.id;
    completion.created ||= chunk.created;
    completion.model ||= chunk.model;
    if (chunk.usage) usage = chunk.usage;
    for (const part of chunk.choices) {
      const choice: Choice = (completion.choices[part.index] ??= {
        index: part.index,
        message: { role: 'assistant', content: null },
        finish_reason: null,
      });
      const content = part.delta.content;
      if (typeof content === 'string') choice.message.content = (choice.message.content ?? '') + content;
      const deltas = part.delta.tool_calls;
      if (Array.isArray(deltas)) {
        const calls = toolCalls.get(part.index) ?? [];
        toolCalls.set(part.index, calls);
        deltas.forEach((delta, position) => mergeToolCall(calls, delta as ToolCallDelta, position));
        choice.message.tool_calls = calls;
      }
      if (part.finish_reason) choice.finish_reason = part.finish_reason as Choice['finish_reason'];
    }
  }
  completion.choices = completion.choices.filter(Boolean);
  if (usage) completion.usage = usage;
  return completion;
}

/** The text of the first choice of a completion, or '' when it has none. */
export function completionText(completion: ChatCompletion): string {
  return completion.choices[0]?.message.content ?? '';
}
