import { UpstreamError, type Provider, type ProviderCall, type StreamPiece } from '../types.js';
import { toUpstreamError } from '../upstream-errors.js';
import { openaiClient, openaiErrors } from './client.js';
import { toOpenAIParams, toOpenAIStreamParams } from './request.js';
import { fromOpenAICompletion } from './response.js';
import { createOpenAIStreamTransform } from './stream.js';
import type { Stream } from 'openai/core/streaming';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';

/** OpenAI, and any server that speaks its API (Ollama, vLLM, LM Studio, OpenRouter, a company proxy). */
export const openaiProvider: Provider = {
  async complete(request, call) {
    try {
      const completion = await client(call).chat.completions.create(toOpenAIParams(request), { signal: call.signal });
      return fromOpenAICompletion(completion);
    } catch (err) {
      throw toUpstreamError(err, openaiErrors, 'the OpenAI-compatible provider');
    }
  },

  async stream(request, call) {
    try {
      const stream = await client(call).chat.completions.create(toOpenAIStreamParams(request), { signal: call.signal });
      return pieces(stream, call.signal);
    } catch (err) {
      throw toUpstreamError(err, openaiErrors, 'the OpenAI-compatible provider');
    }
  },
};

function client(call: ProviderCall) {
  return openaiClient(call.baseURL, call.apiKey, call.timeoutMs);
}

async function* pieces(stream: Stream<ChatCompletionChunk>, signal: AbortSignal): AsyncIterable<StreamPiece> {
  const transform = createOpenAIStreamTransform();
  try {
    for await (const chunk of stream) yield transform.piece(chunk);
  } catch (err) {
    throw signal.aborted ? new UpstreamError('aborted', 'The request was aborted') : toUpstreamError(err, openaiErrors, 'the OpenAI-compatible provider');
  }
  // The SDK ends quietly when aborted; say so rather than pass for a finished answer.
  if (signal.aborted) throw new UpstreamError('aborted', 'The request was aborted');
  if (!transform.finished) throw new UpstreamError('protocol', 'The OpenAI-compatible provider ended its stream before finishing');
}
