import type { CompletionScope } from './handlers.js';
import { newId } from '../db/ids.js';
import { completionId } from './ids.js';
import { providerOfKind } from '../providers/registry.js';
import type { StreamPiece, UpstreamError } from '../providers/types.js';
import { account, estimateUsage, watchClient, type ClientWatch, type Outcome } from './accounting.js';
import { createChunkShaper } from './chunks.js';
import { apiErrorOf } from './errors.js';
import type { PreparedCompletion } from './normalise.js';
import { storeAssistantAnswer } from './persist.js';
import { providerRequest } from './provider-request.js';
import { createSseWriter, type SseWriter } from './sse.js';
import { callUpstream, settleFailure, type Candidate, type Opened } from './upstream.js';

/** Streams the answer as OpenAI's SSE, accounts for it, and stores it in the chat when asked. */
export async function streamCompletion(scope: CompletionScope, prepared: PreparedCompletion, candidates: Candidate[]) {
  const { app, res, userId } = scope;
  const { policy } = app.completions;
  const startedAt = performance.now();
  const client = watchClient(res);
  const sse = createSseWriter(res, policy.pingMs);
  const progress = { candidate: candidates[0] };
  const outcome: Outcome = { status: 'error', usage: undefined, ttftMs: undefined };
  try {
    let opened: Opened<AsyncIterable<StreamPiece>>;
    try {
      opened = await callUpstream(candidates, policy, client, () => !sse.committed, progress, (candidate, call) =>
        providerOfKind(candidate.provider.kind).stream(providerRequest(prepared, candidate), call),
      );
    } catch (err) {
      const failure = err as UpstreamError;
      outcome.status = client.aborted ? 'cancelled' : 'error';
      const apiError = apiErrorOf(failure, progress.candidate.provider.id);
      // Nothing reached the client yet: the failure keeps its status. Otherwise it ends the stream.
      if (!sse.committed) throw apiError;
      sse.data(JSON.stringify(apiError.toBody()));
      sse.done();
      return;
    }
    sse.commit();
    await relay(scope, prepared, opened, sse, client, startedAt, outcome);
  } finally {
    sse.stop();
    client.dispose();
    account(app, userId, scope.requestId, progress.candidate, startedAt, outcome);
  }
}

async function relay(
  scope: CompletionScope,
  prepared: PreparedCompletion,
  opened: Opened<AsyncIterable<StreamPiece>>,
  sse: SseWriter,
  client: ClientWatch,
  startedAt: number,
  outcome: Outcome,
) {
  const { app, userId } = scope;
  const shaper = createChunkShaper({ id: completionId(), created: Math.floor(Date.now() / 1000), model: prepared.model.id });
  const chatId = prepared.chatId;
  const messageId = chatId ? newId('msg') : undefined;
  let failure: UpstreamError | undefined;
  try {
    for await (const piece of opened.value) {
      opened.attempt.touch();
      const frame = shaper.shape(piece);
      if (frame === undefined) continue;
      if (outcome.ttftMs === undefined && shaper.output) outcome.ttftMs = performance.now() - startedAt;
      if (chatId && messageId && shaper.textDelta) {
        app.events.publish({ type: 'message.delta', userId, chatId, messageId, delta: shaper.textDelta });
      }
      if (!sse.data(frame)) await sse.drained();
    }
  } catch (err) {
    failure = settleFailure(err, opened.attempt);
  } finally {
    opened.attempt.end();
  }

  const usage = shaper.usage ?? estimateUsage(prepared.body, shaper.text);
  outcome.usage = usage;
  if (failure) {
    outcome.status = client.aborted ? 'cancelled' : 'error';
    if (!client.aborted) sse.data(JSON.stringify(apiErrorOf(failure, opened.candidate.provider.id).toBody()));
  } else {
    outcome.status = 'ok';
    const closing = shaper.closing();
    if (closing) sse.data(closing);
    if (prepared.includeUsage) sse.data(shaper.usageFrame(usage));
  }
  if (chatId && messageId) {
    // Stored before [DONE], so a client that saw the end can read the message back.
    await storeAssistantAnswer(app, {
      userId,
      chatId,
      messageId,
      content: shaper.text,
      model: opened.candidate.model.id,
      usage,
      status: failure ? 'incomplete' : 'complete',
    }).catch((err: unknown) => scope.log.error({ err, chatId }, 'could not store the answer in the chat'));
  }
  sse.done();
}
