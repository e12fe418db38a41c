import type { CompletionScope } from './handlers.js';
import { newId } from '../db/ids.js';
import { completionId } from './ids.js';
import { providerOfKind } from '../providers/registry.js';
import { UpstreamError, type CompletionChoice } from '../providers/types.js';
import type { ChatCompletion } from '../../generated/types.gen.js';
import { account, estimateUsage, watchClient, type Outcome } from './accounting.js';
import { apiErrorOf } from './errors.js';
import type { PreparedCompletion } from './normalise.js';
import { storeAssistantAnswer } from './persist.js';
import { providerRequest } from './provider-request.js';
import { callUpstream, type Candidate } from './upstream.js';

/** The non-streaming answer: one `chat.completion` object. */
export async function completeOnce(
  scope: CompletionScope,
  prepared: PreparedCompletion,
  candidates: Candidate[],
): Promise<ChatCompletion> {
  const { app, userId } = scope;
  const startedAt = performance.now();
  const client = watchClient(scope.res);
  const progress = { candidate: candidates[0] };
  const outcome: Outcome = { status: 'error', usage: undefined, ttftMs: undefined };
  try {
    const opened = await callUpstream(candidates, app.completions.policy, client, () => true, progress, (candidate, call) =>
      providerOfKind(candidate.provider.kind).complete(providerRequest(prepared, candidate), call),
    );
    opened.attempt.end();
    const { choices } = opened.value;
    const text = choices[0]?.message.content ?? '';
    const usage = opened.value.usage ?? estimateUsage(prepared.body, text);
    outcome.status = 'ok';
    outcome.usage = usage;
    if (prepared.chatId) {
      await storeAssistantAnswer(app, {
        userId,
        chatId: prepared.chatId,
        messageId: newId('msg'),
        content: text,
        model: opened.candidate.model.id,
        usage,
        status: 'complete',
      });
    }
    return {
      id: completionId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: prepared.model.id,
      choices: choices.map(contractChoice),
      usage,
    };
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    outcome.status = client.aborted ? 'cancelled' : 'error';
    throw apiErrorOf(err, progress.candidate.provider.id);
  } finally {
    client.dispose();
    account(app, userId, scope.requestId, progress.candidate, startedAt, outcome);
  }
}

const FINISH_REASONS = new Set(['stop', 'length', 'tool_calls', 'content_filter']);

/** The legacy `function_call` reason, and any a compatible server invents, in the contract's terms. */
function contractChoice(choice: CompletionChoice): ChatCompletion['choices'][number] {
  const reason = choice.finish_reason;
  const finish_reason =
    reason === null ? null : reason === 'function_call' ? 'tool_calls' : FINISH_REASONS.has(reason) ? reason : 'stop';
  return { ...choice, message: { ...choice.message, content: choice.message.content ?? null }, finish_reason };
}
