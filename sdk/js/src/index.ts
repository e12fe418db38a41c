/**
 * @t66/sdk: the JavaScript/TypeScript client of T66.
 *
 *   import { T66Client } from '@t66/sdk';
 *   const client = new T66Client({ apiUrl: 'http://localhost:8090', apiKey: token });
 *   const answer = await client.chat.completions.create({ model: 'local-dev', messages: [{ role: 'user', content: 'Hello!' }] });
 *
 * Request and response types come from openapi.yaml through @hey-api/openapi-ts (src/generated/).
 */
export { T66Client, type T66ClientOptions } from './client.js';
export {
  T66Error,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  ConnectionError,
  WebhookVerificationError,
  type T66ErrorInit,
} from './errors.js';
export { filter, formatFilterValue, quoteFilterString, FilterBindingError, type FilterValue } from './filter.js';
export { accumulateCompletion, completionText, type CompletionStream, type Completions, type RequestOptions } from './completions.js';
export { readServerSentEvents, type ServerSentEvent } from './sse.js';
export type { Auth } from './auth.js';
export type { Chats, Messages, Settings, ListParams } from './records.js';
export type { Files, FileDownload, UploadSource, UploadOptions, DownloadOptions } from './files.js';
export { verifyWebhook, type Webhooks, type WebhookEvent, type WebhookHeaders, type VerifyOptions } from './webhooks.js';
export {
  REALTIME_EVENT_TYPES,
  type Realtime,
  type RealtimeEvent,
  type RealtimeOptions,
  type RealtimeState,
  type ReconnectOptions,
  type WebSocketConstructor,
  type TypingEvent,
  type PresenceEvent,
  type MessageCreatedEvent,
  type MessageDeltaEvent,
  type ChatUpdatedEvent,
  type ChatDeletedEvent,
  type ErrorEvent,
  type ConnectionOpenEvent,
  type ConnectionCloseEvent,
} from './realtime.js';
export { OPERATION_METHODS } from './operations.js';
export type * from './generated/types.gen.js';
