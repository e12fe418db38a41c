import { sendJson, startFakeServer, type FakeServer } from './http.js';
import {
  pieceDelay,
  recordCall,
  streamEnding,
  takeReply,
  writeFrames,
  type FakeAnswer,
  type FakeCall,
  type FakeReply,
  type Frame,
} from './llm.js';

/**
 * A fake OpenAI chat completions API (`POST /v1/chat/completions`) speaking the
 * documented wire format: a `chat.completion` object, or `data: {chunk}` SSE
 * lines (role first, one finish_reason, the usage chunk with `choices: []` when
 * `stream_options.include_usage`) ending with `data: [DONE]`.
 */
export interface FakeOpenAI extends FakeServer {
  /** For OPENAI_BASE_URL or a catalogue's base_url. */
  baseUrl: string;
  /** Bearer tokens it accepts (the server's key, users' own keys). */
  keys: Set<string>;
  calls: FakeCall[];
  /** The next requests' replies, in order; once empty, the default answer. */
  queue: FakeReply[];
}

export const OPENAI_TEST_KEY = 'sk-test-server-key';

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const fake = { keys: new Set([OPENAI_TEST_KEY]), calls: [] as FakeCall[], queue: [] as FakeReply[] };
  const server = await startFakeServer(async (request, res) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: `Unknown request URL: ${request.path}`, type: 'invalid_request_error' } });
    }
    const call = recordCall(request, res, fake.calls);
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!fake.keys.has(token)) {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    const { model, messages } = call.body as { model?: string; messages?: unknown[] };
    if (!model || !Array.isArray(messages) || messages.length === 0) {
      return sendJson(res, 400, { error: { message: "Missing required parameter: 'model' or 'messages'.", type: 'invalid_request_error' } });
    }
    const { reply, answer } = takeReply(fake.queue);
    if (reply.kind === 'hang') return;
    if (reply.kind === 'error') {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      return void res.end(JSON.stringify({ error: { message: reply.message, type: reply.type ?? 'server_error', param: null, code: null } }));
    }
    if (call.body.stream === true) {
      const includeUsage = (call.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const { frames, ending } = streamFrames(model, answer, includeUsage);
      return writeFrames(res, frames, ending);
    }
    sendJson(res, 200, completion(model, answer));
  });
  return Object.assign(fake, server, { baseUrl: `${server.origin}/v1` });
}

const ID = 'chatcmpl-fake123';
const CREATED = 1_700_000_000;

function usage(answer: FakeAnswer) {
  const { prompt, completion } = answer.usage;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

function toolCalls(answer: FakeAnswer) {
  return answer.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args.join('') } }));
}

function completion(model: string, answer: FakeAnswer) {
  const calls = toolCalls(answer);
  return {
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: calls.length && !answer.text.length ? null : answer.text.join(''), refusal: null, ...(calls.length ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: answer.finish,
      },
    ],
    usage: usage(answer),
    system_fingerprint: 'fp_fake',
  };
}

function streamFrames(model: string, answer: FakeAnswer, includeUsage: boolean): { frames: Frame[]; ending: 'end' | 'cut' | 'hang' } {
  const chunk = (choices: unknown[], extra: object = {}) =>
    `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_fake', choices, ...extra })}\n\n`;
  const choice = (delta: object, finish: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  const deltas: object[] = [
    ...answer.text.map((content) => ({ content })),
    ...answer.toolCalls.flatMap((c, index) => [
      { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] },
      ...c.args.map((args) => ({ tool_calls: [{ index, function: { arguments: args } }] })),
    ]),
  ];
  const { pieces, ending } = streamEnding(answer);
  const frames: Frame[] = [{ text: chunk([choice({ role: 'assistant', content: '', refusal: null })]), delayMs: 0 }];
  deltas.slice(0, pieces).forEach((delta, n) => frames.push({ text: chunk([choice(delta)]), delayMs: pieceDelay(answer, n) }));
  if (ending === 'error') {
    frames.push({ text: `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } })}\n\n`, delayMs: 0 });
    return { frames, ending: 'end' };
  }
  if (ending !== 'end') return { frames, ending };
  frames.push({ text: chunk([choice({}, answer.finish)]), delayMs: 0 });
  if (includeUsage) frames.push({ text: chunk([], { usage: usage(answer) }), delayMs: 0 });
  frames.push({ text: 'data: [DONE]\n\n', delayMs: 0 });
  return { frames, ending: 'end' };
}
