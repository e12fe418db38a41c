import type http from 'node:http';
import { startFakeServer, type FakeServer } from './http.js';
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
 * A fake Anthropic Messages API (`POST /v1/messages`) speaking the documented
 * wire format: a `message` object, or SSE with `event:` lines (message_start,
 * ping, content_block_start/delta/stop, message_delta, message_stop, and
 * `error`). It checks what the real API checks for the shapes T66 sends: the
 * key (as `x-api-key` or `Authorization: Bearer`, which the 1.x SDK sends),
 * non-blank text blocks and stop sequences, tool_use answered by tool_result
 * in the next user turn, and no sampling parameters under API version
 * 2026-10-21.
 */
export interface FakeAnthropic extends FakeServer {
  /** For ANTHROPIC_BASE_URL (the SDK appends /v1/messages). */
  baseUrl: string;
  keys: Set<string>;
  calls: FakeCall[];
  queue: FakeReply[];
}

export const ANTHROPIC_TEST_KEY = 'sk-ant-test-server-key';

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const fake = { keys: new Set([ANTHROPIC_TEST_KEY]), calls: [] as FakeCall[], queue: [] as FakeReply[] };
  const server = await startFakeServer(async (request, res) => {
    if (request.method !== 'POST' || request.path !== '/v1/messages') return sendError(res, 404, 'not_found_error', 'Not found');
    const call = recordCall(request, res, fake.calls);
    const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const key = (request.headers['x-api-key'] as string | undefined) ?? bearer;
    if (!fake.keys.has(key)) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const version = request.headers['anthropic-version'];
    if (!version) return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    const problem = invalid(call.body, String(version));
    if (problem) return sendError(res, 400, 'invalid_request_error', problem);

    const { reply, answer } = takeReply(fake.queue);
    if (reply.kind === 'hang') return;
    if (reply.kind === 'error') return sendError(res, reply.status, reply.type ?? 'api_error', reply.message, reply.headers);
    const model = String(call.body.model);
    if (call.body.stream === true) {
      const { frames, ending } = streamFrames(model, answer);
      return writeFrames(res, frames, ending);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
    res.end(JSON.stringify(message(model, answer)));
  });
  return Object.assign(fake, server, { baseUrl: server.origin });
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

type Block = { type: string; text?: string; id?: string; tool_use_id?: string };
type Turn = { role: string; content: string | Block[] };

/** The documented request rules T66's translation must satisfy. */
function invalid(body: Record<string, unknown>, version: string): string | undefined {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return 'max_tokens: Field required';
  if (version === '2026-10-21') {
    for (const field of ['temperature', 'top_p', 'top_k']) if (field in body) return `${field}: Extra inputs are not permitted`;
  }
  const stops = body.stop_sequences as string[] | undefined;
  if (stops?.some((s) => !s.trim())) return 'stop_sequences: each stop sequence must contain non-whitespace';
  const messages = body.messages as Turn[] | undefined;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [i, turn] of messages.entries()) {
    const blocks = typeof turn.content === 'string' ? [{ type: 'text', text: turn.content }] : turn.content;
    if (blocks.length === 0) return `messages.${i}: all messages must have non-empty content`;
    if (blocks.some((b) => b.type === 'text' && !b.text?.trim())) return `messages.${i}: text content blocks must contain non-whitespace text`;
    const toolUses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    if (toolUses.length) {
      const next = messages[i + 1];
      const results = next && Array.isArray(next.content) ? next.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id) : [];
      if (next?.role !== 'user' || toolUses.some((id) => !results.includes(id))) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${toolUses.join(', ')}`;
      }
    }
  }
  return undefined;
}

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

function startUsage(answer: FakeAnswer) {
  return {
    input_tokens: answer.usage.prompt,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: answer.usage.cacheRead ?? 0,
  };
}

function message(model: string, answer: FakeAnswer) {
  return {
    id: 'msg_fake123',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(answer.text.length ? [{ type: 'text', text: answer.text.join('') }] : []),
      ...answer.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.args.join('') || '{}') })),
    ],
    stop_reason: STOP_REASON[answer.finish],
    stop_sequence: null,
    usage: { ...startUsage(answer), output_tokens: answer.usage.completion },
  };
}

function streamFrames(model: string, answer: FakeAnswer): { frames: Frame[]; ending: 'end' | 'cut' | 'hang' } {
  const event = (type: string, data: object, delayMs = 0): Frame => ({ text: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`, delayMs });
  const frames: Frame[] = [
    event('message_start', {
      message: { id: 'msg_fake123', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage(answer) },
    }),
    event('ping', {}),
  ];
  const { pieces, ending } = streamEnding(answer);
  let sent = 0;
  let index = 0;
  const piece = (type: string, data: object) => {
    if (sent >= pieces) return false;
    frames.push(event(type, data, pieceDelay(answer, sent++)));
    return true;
  };
  const blocks = [
    ...(answer.text.length ? [{ start: { type: 'text', text: '' }, deltas: answer.text.map((text) => ({ type: 'text_delta', text })) }] : []),
    ...answer.toolCalls.map((c) => ({
      start: { type: 'tool_use', id: c.id, name: c.name, input: {} },
      deltas: c.args.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    })),
  ];
  let complete = true;
  for (const block of blocks) {
    frames.push(event('content_block_start', { index, content_block: block.start }));
    for (const delta of block.deltas) {
      if (!piece('content_block_delta', { index, delta })) complete = false;
      if (!complete) break;
    }
    if (!complete) break;
    frames.push(event('content_block_stop', { index }));
    index++;
  }
  if (ending === 'error') {
    frames.push(event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
    return { frames, ending: 'end' };
  }
  if (ending !== 'end') return { frames, ending };
  frames.push(event('message_delta', { delta: { stop_reason: STOP_REASON[answer.finish], stop_sequence: null }, usage: { output_tokens: answer.usage.completion } }));
  frames.push(event('message_stop', {}));
  return { frames, ending: 'end' };
}
