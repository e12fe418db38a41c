import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { ProviderRequest } from '../types.js';

/**
 * OpenAI-compatible servers take the client's body almost as it came: only the
 * model name changes. Fields T66 does not know are forwarded untouched, which is
 * why the body (checked against openapi.yaml, not against the SDK's types) is
 * handed over as the SDK's params.
 */
export function toOpenAIParams(request: ProviderRequest): ChatCompletionCreateParamsNonStreaming {
  return { ...request.body, model: request.upstreamModel, stream: false } as unknown as ChatCompletionCreateParamsNonStreaming;
}

/** Usage is always asked for, so every streamed request can be accounted for; the client gets it only if it asked. */
export function toOpenAIStreamParams(request: ProviderRequest): ChatCompletionCreateParamsStreaming {
  return {
    ...request.body,
    model: request.upstreamModel,
    stream: true,
    stream_options: { include_usage: true },
  } as unknown as ChatCompletionCreateParamsStreaming;
}
