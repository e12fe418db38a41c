import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { UpstreamError, type Provider, type ProviderCall, type StreamPiece } from '../types.js';
import { toUpstreamError } from '../upstream-errors.js';
import { anthropicClient, anthropicErrors } from './client.js';
import { toAnthropicParams } from './request.js';
import { fromAnthropicMessage } from './response.js';
import { createAnthropicStreamTransform } from './stream.js';

export const anthropicProvider: Provider = {
  async complete(request, call) {
    const params = toAnthropicParams(request);
    try {
      const message = await client(call).messages.create({ ...params, stream: false }, { signal: call.signal });
      return fromAnthropicMessage(message);
    } catch (err) {
      throw toUpstreamError(err, anthropicErrors, 'Anthropic');
    }
  },

  async stream(request, call) {
    const params = toAnthropicParams(request);
    try {
      const stream = await client(call).messages.create({ ...params, stream: true }, { signal: call.signal });
      return pieces(stream, call.signal);
    } catch (err) {
      throw toUpstreamError(err, anthropicErrors, 'Anthropic');
    }
  },
};

function client(call: ProviderCall) {
  return anthropicClient(call.baseURL, call.apiKey, call.timeoutMs);
}

async function* pieces(stream: Stream<RawMessageStreamEvent>, signal: AbortSignal): AsyncIterable<StreamPiece> {
  const transform = createAnthropicStreamTransform();
  try {
    for await (const event of stream) {
      const piece = transform.piece(event);
      if (piece) yield piece;
    }
  } catch (err) {
    throw signal.aborted ? new UpstreamError('aborted', 'The request was aborted') : toUpstreamError(err, anthropicErrors, 'Anthropic');
  }
  // The SDK ends quietly when aborted; say so rather than pass for a finished answer.
  if (signal.aborted) throw new UpstreamError('aborted', 'The request was aborted');
  if (!transform.stopped) throw new UpstreamError('protocol', 'Anthropic ended its stream before message_stop');
}
