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

/** Aborts when the client's connection closes before the response finished. */
export function watchClient(res: { writableFinished: boolean; on(e: 'close', f: () => void): unknown; off(e: 'close', f: () => void): unknown }) {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}
