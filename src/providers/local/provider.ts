import { UpstreamError, type Provider, type ProviderRequest, type StreamPiece } from '../types.js';
import { localAnswer } from './model.js';

export const localProvider: Provider = {
  async complete(request) {
    const answer = localAnswer(request.body, request.upstreamModel);
    return {
      choices: [{ index: 0, message: { role: 'assistant', content: answer.tokens.join('') }, finish_reason: answer.finishReason }],
      usage: answer.usage,
    };
  },

  async stream(request, call) {
    return pieces(request, call.signal);
  },
};

/** One word per chunk, then the finish and the usage, as a provider would send them. */
async function* pieces(request: ProviderRequest, signal: AbortSignal): AsyncIterable<StreamPiece> {
  const answer = localAnswer(request.body, request.upstreamModel);
  yield { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
  for (const token of answer.tokens) {
    if (signal.aborted) throw new UpstreamError('aborted', 'The request was aborted');
    yield { choices: [{ index: 0, delta: { content: token }, finish_reason: null }] };
  }
  yield { choices: [{ index: 0, delta: {}, finish_reason: answer.finishReason }] };
  yield { choices: [], usage: answer.usage };
}
