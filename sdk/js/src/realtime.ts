/**
 * `client.realtime`: the WebSocket at `/ws?token=…` (asyncapi.yaml). Join chat rooms, say you are
 * typing, and subscribe to events. A dropped connection reconnects by itself with exponential
 * backoff and jitter, with a fresh token, and joins its rooms again.
 */
import type { Chat, Message } from './generated/types.gen.js';
import { T66Error, errorFromEnvelope } from './errors.js';
import type { Session } from './http.js';

// The frames of asyncapi.yaml (test/sdk checks these names against it); records reuse the REST types.
export interface TypingEvent { type: 'typing'; chat_id: string; user_id: string }
export interface PresenceEvent { type: 'presence'; chat_id: string; user_id: string; state: 'joined' | 'left' }
export interface MessageCreatedEvent { type: 'message.created'; chat_id: string; message: Message }
export interface MessageDeltaEvent { type: 'message.delta'; chat_id: string; message_id: string; delta: string }
export interface ChatUpdatedEvent { type: 'chat.updated'; chat_id: string; chat: Chat }
export interface ChatDeletedEvent { type: 'chat.deleted'; chat_id: string }
export interface ErrorEvent { type: 'error'; error: { code: string; message: string; details?: Record<string, unknown> } }

export type RealtimeEvent =
  | TypingEvent
  | PresenceEvent
  | MessageCreatedEvent
  | MessageDeltaEvent
  | ChatUpdatedEvent
  | ChatDeletedEvent
  | ErrorEvent;

/** The event types a server sends; `realtime.on(type, …)` takes these. */
export const REALTIME_EVENT_TYPES = ['typing', 'presence', 'message.created', 'message.delta', 'chat.updated', 'chat.deleted', 'error'] as const;

export interface ConnectionOpenEvent { type: 'open'; reconnected: boolean }
export interface ConnectionCloseEvent { type: 'close'; code: number; reason: string; willReconnect: boolean }

type Handlers = {
  [K in RealtimeEvent['type']]: (event: Extract<RealtimeEvent, { type: K }>) => void;
} & {
  open: (event: ConnectionOpenEvent) => void;
  close: (event: ConnectionCloseEvent) => void;
  '*': (event: RealtimeEvent) => void;
};

/** What the SDK needs of a WebSocket: the browser's, Node 22+'s global one, or `ws`'s. */
export type WebSocketConstructor = new (url: string) => {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

interface Socket {
  readonly readyState: number;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ReconnectOptions {
  /** First delay (default 500 ms); each further attempt doubles it, up to `maxDelayMs` (default 30 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this many attempts in a row (default: never). */
  maxAttempts?: number;
}

export interface RealtimeOptions {
  /** A WebSocket implementation where there is no global one, e.g. `import WebSocket from 'ws'` on Node 20. */
  WebSocket?: WebSocketConstructor;
  /** `false` turns automatic reconnection off. */
  reconnect?: ReconnectOptions | false;
  /** How long `join()` waits for the server's answer once the frame is sent (default 10 s). */
  joinTimeoutMs?: number;
}

export type RealtimeState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface Realtime {
  readonly state: RealtimeState;
  /** The rooms (chat ids) this client is in; they are joined again after a reconnect. */
  readonly rooms: ReadonlySet<string>;
  /** Opens the socket. Resolves once it is open; rejects if this first attempt fails. */
  connect(): Promise<void>;
  /**
   * Joins a chat room you own, now or as soon as the socket is open, and again after every
   * reconnect. Resolves once the server accepted; rejects with a T66Error (`forbidden`) for a chat
   * that is not yours. Awaiting it is optional.
   */
  join(chatId: string): Promise<void>;
  leave(chatId: string): void;
  /** Tells the others in the room that you are typing. Dropped while disconnected. */
  typing(chatId: string): void;
  /** Subscribes to an event type (`'*'` for all server events); answers the unsubscribe function. */
  on<K extends keyof Handlers>(type: K, handler: Handlers[K]): () => void;
  /** Closes the socket for good: no reconnect. */
  close(): void;
}

/** Close code T66 uses when the socket's token is revoked or expired: reconnecting with it cannot help. */
const TOKEN_ENDED = 4001;
const USER_CLOSED = 1000;
const TOKEN_GRACE_MS = 2000;

function frameText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return String(data);
}

export function realtimeUrl(root: string, token: string): string {
  return `${root.replace(/^http/i, 'ws')}/ws?token=${encodeURIComponent(token)}`;
}

interface PendingJoin {
  promise: Promise<void>;
  resolve(): void;
  reject(error: T66Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

export function createRealtime(root: string, session: Session, options: RealtimeOptions = {}): Realtime {
  const listeners = new Map<string, Set<(event: never) => void>>();
  const rooms = new Set<string>();
  const pendingJoins = new Map<string, PendingJoin>();
  let socket: Socket | undefined;
  let state: RealtimeState = 'idle';
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let everOpened = false;
  const reconnect = options.reconnect === false ? undefined : options.reconnect ?? {};
  const joinTimeoutMs = options.joinTimeoutMs ?? 10_000;

  function emit(type: string, event: object) {
    for (const handler of listeners.get(type) ?? []) (handler as (e: object) => void)(event);
  }

  function send(frame: object): boolean {
    if (!socket || state !== 'open') return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function settleJoin(chatId: string, error?: T66Error) {
    const pending = pendingJoins.get(chatId);
    if (!pending) return;
    pendingJoins.delete(chatId);
    if (pending.timer) clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  function sendJoin(chatId: string) {
    if (!send({ type: 'join', chat_id: chatId })) return;
    const pending = pendingJoins.get(chatId);
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    // Counted from the frame actually sent, so a join made while offline waits for the connection.
    pending.timer = setTimeout(
      () => settleJoin(chatId, new T66Error({ status: 0, code: 'join_timeout', message: `No answer to joining ${chatId}` })),
      joinTimeoutMs,
    );
  }

  /** Book-keeping the server's frames imply, before handlers see them. */
  function track(event: RealtimeEvent) {
    // Nobody else's presence in a room reaches this socket before its own join was accepted.
    if (event.type === 'presence' && event.state === 'joined') settleJoin(event.chat_id);
    if (event.type === 'chat.deleted') rooms.delete(event.chat_id);
    if (event.type === 'error') {
      const chatId = event.error.details?.chat_id;
      if (typeof chatId === 'string' && event.error.code === 'forbidden') {
        rooms.delete(chatId);
        settleJoin(chatId, errorFromEnvelope({ error: event.error }) ?? new T66Error({ status: 0, ...event.error }));
      }
    }
  }

  function implementation(): WebSocketConstructor {
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) throw new TypeError("No WebSocket here: pass one, e.g. new T66Client({ ..., WebSocket }) with `import WebSocket from 'ws'`");
    return ctor;
  }

  function scheduleReconnect(): boolean {
    if (!reconnect || (reconnect.maxAttempts !== undefined && attempts >= reconnect.maxAttempts)) return false;
    const base = Math.min(reconnect.maxDelayMs ?? 30_000, (reconnect.initialDelayMs ?? 500) * 2 ** attempts);
    // Jitter spreads the reconnects of many clients after a server restart.
    const delay = base / 2 + Math.random() * (base / 2);
    attempts += 1;
    state = 'reconnecting';
    timer = setTimeout(() => {
      timer = undefined;
      open().catch(() => undefined);
    }, delay);
    return true;
  }

  async function open(): Promise<void> {
    state = 'connecting';
    const token = await session.currentToken();
    if (!token) {
      state = 'closed';
      throw new TypeError('realtime needs a token: log in first, or pass apiKey/token');
    }
    if (state !== 'connecting') return; // closed while the token was being read
    const Ctor = implementation();
    // The constructor type is what callers must supply; the handlers are the part every implementation shares.
    const ws = new Ctor(realtimeUrl(root, token)) as unknown as Socket;
    socket = ws;
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      ws.onopen = () => {
        opened = true;
        const reconnected = everOpened;
        everOpened = true;
        attempts = 0;
        state = 'open';
        for (const chatId of rooms) sendJoin(chatId);
        emit('open', { type: 'open', reconnected });
        resolve();
      };
      ws.onmessage = (message) => {
        let event: RealtimeEvent;
        try {
          event = JSON.parse(frameText(message.data)) as RealtimeEvent;
        } catch {
          return; // not a T66 frame
        }
        track(event);
        emit(event.type, event);
        emit('*', event);
      };
      ws.onerror = () => undefined; // the close that follows carries what matters
      ws.onclose = (closeEvent) => {
        if (socket !== ws) return;
        socket = undefined;
        if (state !== 'closed') state = 'reconnecting';
        if (!opened) reject(new T66Error({ status: 0, code: 'connection_error', message: `The WebSocket closed before opening (code ${closeEvent.code})` }));
        void afterClose(closeEvent, token);
      };
    });
  }

  async function afterClose(closeEvent: { code: number; reason: string }, token: string): Promise<boolean> {
    let tokenUsable = true;
    if (closeEvent.code === TOKEN_ENDED) {
      // A refresh revokes the old token, which closes this socket, often before the refresh's own
      // answer arrives: give the new token a moment to land, then reconnect only if there is one.
      const next = await session.changedFrom(token, TOKEN_GRACE_MS);
      tokenUsable = next !== undefined && next !== token;
    }
    const userClosed = state === 'closed';
    const willReconnect = !userClosed && tokenUsable && everOpened && scheduleReconnect();
    if (!willReconnect && !userClosed) state = 'closed';
    emit('close', { type: 'close', code: closeEvent.code, reason: closeEvent.reason, willReconnect });
    if (!willReconnect) {
      for (const chatId of [...pendingJoins.keys()]) {
        settleJoin(chatId, new T66Error({ status: 0, code: 'connection_closed', message: `The socket closed (code ${closeEvent.code})` }));
      }
    }
    return willReconnect;
  }

  return {
    get state() {
      return state;
    },
    rooms,
    connect() {
      if (state === 'open') return Promise.resolve();
      if (timer) clearTimeout(timer);
      timer = undefined;
      return open();
    },
    join(chatId) {
      rooms.add(chatId);
      const already = pendingJoins.get(chatId);
      if (already) return already.promise;
      let settle: Pick<PendingJoin, 'resolve' | 'reject'> | undefined;
      const promise = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      // Fire-and-forget callers must not get an unhandled rejection; awaiting callers still see it.
      promise.catch(() => undefined);
      pendingJoins.set(chatId, { promise, ...settle! });
      sendJoin(chatId);
      return promise;
    },
    leave(chatId) {
      rooms.delete(chatId);
      settleJoin(chatId, undefined);
      send({ type: 'leave', chat_id: chatId });
    },
    typing(chatId) {
      send({ type: 'typing', chat_id: chatId });
    },
    on(type, handler) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      set.add(handler as (event: never) => void);
      return () => void set.delete(handler as (event: never) => void);
    },
    close() {
      state = 'closed';
      if (timer) clearTimeout(timer);
      timer = undefined;
      const current = socket;
      socket = undefined;
      current?.close(USER_CLOSED, 'client closed');
      for (const chatId of [...pendingJoins.keys()]) {
        settleJoin(chatId, new T66Error({ status: 0, code: 'connection_closed', message: 'The client closed the socket' }));
      }
    },
  };
}
