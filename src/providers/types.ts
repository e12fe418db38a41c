import type { ChatCompletionMessage, ChatCompletionRequest, ToolCall } from '../../generated/types.gen.js';

/**
 * The small contract between the gateway and a provider. Requests go in and
 * answers come out in OpenAI's chat-completion shapes; each provider folder maps
 * them to and from its own SDK.
 */

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [detail: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ToolCallDelta[];
  [extra: string]: unknown;
}

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  [extra: string]: unknown;
}

/** One step of a streamed answer; `usage` may come alone (with no choices). */
export interface StreamPiece {
  choices: ChunkChoice[];
  usage?: TokenUsage | null;
}

export interface CompletionChoice {
  index: number;
  message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; [extra: string]: unknown };
  finish_reason: FinishReason | null;
  [extra: string]: unknown;
}

export interface CompletionResult {
  choices: CompletionChoice[];
  usage: TokenUsage | undefined;
}

/**
 * The client's request after normalisation: messages present, attachments
 * expanded, and T66's own fields (`chat`) and the streaming switches gone (the
 * provider sets those itself). An intersection rather than `Omit`, which would
 * erase the known fields of a type with an index signature.
 */
export type OpenAIRequestBody = ChatCompletionRequest & { messages: ChatCompletionMessage[] };

export interface ProviderRequest {
  body: OpenAIRequestBody;
  /** The model name the provider knows. */
  upstreamModel: string;
  /** The catalogue's output limit, for providers that need max_tokens. */
  maxOutputTokens: number;
}

export interface ProviderCall {
  baseURL: string | undefined;
  apiKey: string | undefined;
  /** Aborts the upstream request: the client left, or the attempt timed out. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface Provider {
  complete(request: ProviderRequest, call: ProviderCall): Promise<CompletionResult>;
  /**
   * Resolves once the upstream accepted the request (its response headers
   * arrived); the pieces follow. Both the promise and the iteration throw
   * `UpstreamError` only.
   */
  stream(request: ProviderRequest, call: ProviderCall): Promise<AsyncIterable<StreamPiece>>;
}

export type UpstreamFailure =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'unreachable'
  | 'bad_request'
  | 'auth_failed'
  | 'aborted'
  | 'protocol';

/** A provider's failure in the gateway's terms, whatever SDK raised it. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
    /** Seconds, from the upstream's retry-after header. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}
