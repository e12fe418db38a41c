import type { AppContext } from '../app-context.js';
import type { OpenAIRequestBody, TokenUsage } from '../providers/types.js';
import type { Candidate } from './upstream.js';
import { costOf } from './usage.js';

export type UsageStatus = 'ok' | 'error' | 'cancelled';

export interface Outcome {
  status: UsageStatus;
  usage: TokenUsage | undefined;
  ttftMs: number | undefined;
}

/** Queues the request's usage row (written in the next batch, never on the request's path). */
export function account(app: AppContext, userId: string, requestId: string, candidate: Candidate, startedAt: number, outcome: Outcome) {
  const prompt = outcome.usage?.prompt_tokens ?? 0;
  const completion = outcome.usage?.completion_tokens ?? 0;
  app.completions.usage.add({
    user_id: userId,
    request_id: requestId,
    model: candidate.model.id,
    provider: candidate.provider.id,
    prompt_tokens: prompt,
    completion_tokens: completion,
    cost: costOf(candidate.model, prompt, completion),
    latency_ms: Math.round(performance.now() - startedAt),
    ttft_ms: outcome.ttftMs === undefined ? null : Math.round(outcome.ttftMs),
    status: outcome.status,
  });
}

/**
 * When the upstream sent no count (a cut stream, a server that does not
 * report usage), about four characters a token, so the row still says
 * roughly what was spent.
 */
export function estimateUsage(body: OpenAIRequestBody, answer: string): TokenUsage {
  let chars = 0;
  for (const message of body.messages) {
    if (typeof message.content === 'string') chars += message.content.length;
    else if (message.content) for (const part of message.content) chars += part.text?.length ?? 0;
  }
  const prompt = Math.ceil(chars / 4);
  const completion = Math.ceil(answer.length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Whether the client's connection closed before the response finished, and who to tell when it does. */
export interface ClientWatch {
  readonly aborted: boolean;
  /** Calls `listener` once, if the client leaves; the returned function unsubscribes. */
  onAbort(listener: () => void): () => void;
  dispose(): void;
}

/**
 * Watches the response's socket. A plain listener list rather than an
 * AbortController: one of those costs ~10 µs to create in Node 20, and the
 * attempt that reaches the SDK needs its own anyway.
 */
export function watchClient(res: { writableFinished: boolean; on(e: 'close', f: () => void): unknown; off(e: 'close', f: () => void): unknown }): ClientWatch {
  let aborted = false;
  const listeners = new Set<() => void>();
  const onClose = () => {
    if (res.writableFinished || aborted) return;
    aborted = true;
    for (const listener of listeners) listener();
    listeners.clear();
  };
  res.on('close', onClose);
  return {
    get aborted() {
      return aborted;
    },
    onAbort(listener) {
      if (aborted) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => res.off('close', onClose),
  };
}
