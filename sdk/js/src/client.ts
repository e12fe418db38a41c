import { generateImage, getHealth, listModels, searchWeb } from './generated/sdk.gen.js';
import type { Health, ImageGenerateRequest, ImageGenerateResponse, ModelList, WebSearchRequest, WebSearchResponse } from './generated/types.gen.js';
import { createAuth, rotateToken, type Auth } from './auth.js';
import { createCompletions, type Completions } from './completions.js';
import { createFiles, type Files } from './files.js';
import { filter, type FilterValue } from './filter.js';
import { createSession, createTransport, unwrap, type SessionOptions, type Transport } from './http.js';
import { createRealtime, type Realtime, type RealtimeOptions } from './realtime.js';
import { createChats, createMessages, createSettings, type Chats, type Messages, type Settings } from './records.js';
import { createWebhooks, type Webhooks } from './webhooks.js';

export interface T66ClientOptions extends Omit<SessionOptions, 'token'>, RealtimeOptions {
  /** The server root, e.g. `http://localhost:8090` (a URL ending in `/api` works too). */
  apiUrl: string;
  /** A T66 access token (JWT), e.g. from `auth.login`. Same as `token`. */
  apiKey?: string;
  /** A T66 access token (JWT). Same as `apiKey`. */
  token?: string;
  /** A fetch implementation (default: the global `fetch`, looked up at each call). */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export class T66Client {
  readonly auth: Auth;
  readonly chats: Chats;
  readonly messages: Messages;
  /** The caller's user settings (theme, default model, provider keys). */
  readonly settings: Settings;
  readonly chat: { readonly completions: Completions };
  readonly models: { list(): Promise<ModelList> };
  readonly images: { generate(body: ImageGenerateRequest): Promise<ImageGenerateResponse> };
  readonly files: Files;
  readonly search: { web(body: WebSearchRequest): Promise<WebSearchResponse> };
  readonly webhooks: Webhooks;
  readonly realtime: Realtime;
  /** `http://host:port/api`, where requests go. */
  readonly apiBase: string;
  readonly #transport: Transport;

  constructor(options: T66ClientOptions) {
    const token = options.token ?? options.apiKey;
    const session = createSession({ ...options, token }, (old) => rotateToken(this.#transport, old));
    const transport = createTransport(options.apiUrl, session, { fetch: options.fetch, headers: options.headers });
    this.#transport = transport;
    const { client } = transport;
    this.apiBase = transport.apiBase;
    this.auth = createAuth(transport);
    this.chats = createChats(transport);
    this.messages = createMessages(transport);
    this.settings = createSettings(transport);
    this.chat = { completions: createCompletions(transport) };
    this.models = { list: () => unwrap(listModels({ client })) };
    this.images = { generate: (body) => unwrap(generateImage({ client, body })) };
    this.files = createFiles(transport);
    this.search = { web: (body) => unwrap(searchWeb({ client, body })) };
    this.webhooks = createWebhooks(transport);
    this.realtime = createRealtime(transport.root, session, options);
  }

  /** The token requests are sent with (after login, register or refresh, the new one). */
  get token(): string | undefined {
    return this.#transport.session.token;
  }

  /** Uses another token from now on (it is not refreshed automatically unless `autoRefresh` is set). */
  setToken(token: string | undefined): void {
    this.#transport.session.setToken(token, false);
  }

  /**
   * Binds values into a filter expression, escaped so the server reads them back exactly:
   * `client.filter('chat = {:id} && content ~ {:q}', { id, q })`.
   */
  filter(expression: string, params?: Record<string, FilterValue>): string {
    return filter(expression, params);
  }

  /** Liveness and database health (no token needed). */
  health(): Promise<Health> {
    return unwrap(getHealth({ client: this.#transport.client }));
  }
}
