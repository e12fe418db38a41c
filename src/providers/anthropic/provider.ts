import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { UpstreamError, type Provider, type ProviderCall, type StreamPiece } from '../types.js';
import { toUpstreamError } from '../upstream-errors.js';
import { anthropicSdk, type AnthropicSdk } from './client.js';
import { toAnthropicParams } from './request.js';
import { fromAnthropicMessage } from './response.js';
import { createAnthropicStreamTransform } from './stream.js';

export const anthropicProvider: Provider = {
  async complete(request, call) {
    const params = toAnthropicParams(request);
    const sdk = await anthropicSdk();
    try {
      const message = await client(sdk, call).messages.create({ ...params, stream: false }, { signal: call.signal });
      return fromAnthropicMessage(message);
    } catch (err) {
      throw toUpstreamError(err, sdk.errors, 'Anthropic');
    }
  },

  async stream(request, call) {
    const params = toAnthropicParams(request);
    const sdk = await anthropicSdk();
    try {
      const stream = await client(sdk, call).messages.create({ ...params, stream: true }, { signal: call.signal });
      return pieces(stream, call.signal, sdk.errors);
    } catch (err) {
      throw toUpstreamError(err, sdk.errors, 'Anthropic');
    }
  },
};

function client(sdk: AnthropicSdk, call: ProviderCall) {
  return sdk.client(call.baseURL, call.apiKey, call.timeoutMs);
}

async function* pieces(stream: Stream<RawMessageStreamEvent>, signal: AbortSignal, errors: AnthropicSdk['errors']): AsyncIterable<StreamPiece> {
  const transform = createAnthropicStreamTransform();
  try {
    for await (const event of stream) {
      const piece = transform.piece(event);
      if (piece) yield piece;
    }
  } catch (err) {
    throw signal.aborted ? new UpstreamError('aborted', 'The request was aborted') : toUpstreamError(err, errors, 'Anthropic');
  }
  // The SDK ends quietly when aborted; say so rather than pass for a finished answer.
  if (signal.aborted) throw new UpstreamError('aborted', 'The request was aborted');
  if (!transform.stopped) throw new UpstreamError('protocol', 'Anthropic ended its stream before message_stop');
}
