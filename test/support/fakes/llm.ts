import type http from 'node:http';
import type { FakeRequest } from './http.js';

/**
 * What the fake LLM providers are told to do with the next request, shared by
 * fake-openai.ts and fake-anthropic.ts. Each renders an `answer` in its own
 * provider's documented wire format, JSON or SSE as the request asked.
 */
export type FakeReply =
  | { kind: 'answer'; answer?: Partial<FakeAnswer> }
  | { kind: 'error'; status: number; message: string; type?: string; headers?: Record<string, string> }
  /** Accepts the request and never sends a byte (not even headers). */
  | { kind: 'hang' };

export interface FakeAnswer {
  /** Text, as the pieces it streams in. */
  text: string[];
  toolCalls: { id: string; name: string; args: string[] }[];
  finish: 'stop' | 'length' | 'tool_calls';
  usage: { prompt: number; completion: number; cacheRead?: number };
  /** Wait before the first streamed piece (after the headers). */
  delayFirstMs: number;
  /** Wait between streamed pieces. */
  delayMs: number;
  /** Streams this many pieces, then drops the connection. */
  cutAfter: number | undefined;
  /** Streams this many pieces, then goes silent with the connection open. */
  hangAfter: number | undefined;
  /** Streams this many pieces, then sends the provider's in-stream error. */
  errorAfter: number | undefined;
}

export const DEFAULT_ANSWER: FakeAnswer = {
  text: ['Hello', ' from', ' the', ' fake', ' provider.'],
  toolCalls: [],
  finish: 'stop',
  usage: { prompt: 11, completion: 5 },
  delayFirstMs: 0,
  delayMs: 0,
  cutAfter: undefined,
  hangAfter: undefined,
  errorAfter: undefined,
};

/** One request the fake received, with its JSON body and when its connection closed early (the client left). */
export interface FakeCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** performance.now() when the connection closed before the fake finished answering. */
  closedEarlyAt: number | undefined;
}

export function recordCall(request: FakeRequest, res: http.ServerResponse, calls: FakeCall[]): FakeCall {
  const call: FakeCall = { path: request.path, headers: request.headers, body: JSON.parse(request.body || '{}'), closedEarlyAt: undefined };
  calls.push(call);
  res.on('close', () => {
    if (!res.writableFinished) call.closedEarlyAt = performance.now();
  });
  return call;
}

export interface Frame {
  text: string;
  /** Wait before writing it. */
  delayMs: number;
}

/**
 * Writes the SSE frames in order, then ends the response, drops the connection
 * (`cut`), or goes silent with the connection open until the client leaves (`hang`).
 */
export async function writeFrames(res: http.ServerResponse, frames: Frame[], ending: 'end' | 'cut' | 'hang') {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  for (const frame of frames) {
    if (frame.delayMs > 0) await new Promise((r) => setTimeout(r, frame.delayMs));
    if (res.destroyed) return;
    res.write(frame.text);
  }
  // Let the written frames reach the client before the connection drops, as a real cut mid-stream would.
  if (ending === 'cut') setTimeout(() => res.destroy(), 20);
  else if (ending === 'end') res.end();
}

/** Where a streamed answer stops: after `cutAfter`/`hangAfter`/`errorAfter` pieces, or at its natural end. */
export function streamEnding(answer: FakeAnswer): { pieces: number; ending: 'end' | 'cut' | 'hang' | 'error' } {
  if (answer.cutAfter !== undefined) return { pieces: answer.cutAfter, ending: 'cut' };
  if (answer.hangAfter !== undefined) return { pieces: answer.hangAfter, ending: 'hang' };
  if (answer.errorAfter !== undefined) return { pieces: answer.errorAfter, ending: 'error' };
  return { pieces: Infinity, ending: 'end' };
}

/** The delay before the n-th piece (0-based). */
export function pieceDelay(answer: FakeAnswer, n: number): number {
  return n === 0 ? answer.delayFirstMs : answer.delayMs;
}

export function takeReply(queue: FakeReply[]): { reply: FakeReply; answer: FakeAnswer } {
  const reply = queue.shift() ?? { kind: 'answer' };
  return { reply, answer: { ...DEFAULT_ANSWER, ...(reply.kind === 'answer' ? reply.answer : {}) } };
}
