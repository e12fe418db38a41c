import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { AppContext } from '../app-context.js';
import type { TokenClaims } from '../auth/tokens.js';
import { tokenFromHeader } from '../auth/tokens.js';
import type { DomainEvent } from '../events/types.js';
import { envelope } from '../http/errors.js';
import type { SharedRedis } from '../system/redis.js';
import type { RealtimeConfig } from './config.js';
import { createFanout } from './fanout.js';
import { createFrameParser, errorFrame, frameForEvent, type ClientFrame, type ServerFrame } from './frames.js';
import { ownsChat } from './queries.js';
import { createRooms, type Member } from './rooms.js';

/** Close codes of asyncapi.yaml besides the standard ones (1001 shutdown, 1009 frame too large). */
export const CLOSE_TOKEN_ENDED = 4001;
export const CLOSE_TOO_SLOW = 4008;

export interface Realtime {
  /** The HTTP server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Feeds a committed domain event to the rooms (subscribe it to the event bus). */
  onEvent(event: DomainEvent): void;
  connectionCount(): number;
  /** Closes every socket with 1001 and stops the timers. */
  close(): Promise<void>;
}

interface Connection extends Member {
  ws: WebSocket;
  claims: TokenClaims;
  alive: boolean;
  framesThisMinute: number;
  minuteStarted: number;
}

export async function createRealtime(app: AppContext, config: RealtimeConfig, redis: SharedRedis | undefined): Promise<Realtime> {
  const parse = createFrameParser();
  const rooms = createRooms();
  const fanout = await createFanout((delivery) => rooms.deliver(delivery), redis, app.log);
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  let closing = false;

  const stopRevocations = app.revocations.onRevoked((jti) => {
    for (const connection of connections) {
      if (connection.claims.jti === jti) connection.ws.close(CLOSE_TOKEN_ENDED, 'The token was revoked');
    }
  });

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const connection of connections) {
      if (connection.claims.expires.getTime() <= now) {
        connection.ws.close(CLOSE_TOKEN_ENDED, 'The token expired');
      } else if (!connection.alive) {
        connection.ws.terminate();
      } else {
        connection.alive = false;
        connection.ws.ping();
      }
    }
  }, config.heartbeatMs);
  heartbeat.unref();

  function sendText(connection: Connection, text: string) {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    // A client that does not read must not make us buffer without bound.
    if (ws.bufferedAmount > config.maxBufferedBytes) {
      ws.close(CLOSE_TOO_SLOW, 'Too slow: the client is not reading its frames');
      return;
    }
    ws.send(text);
  }
  const send = (connection: Connection, frame: ServerFrame) => sendText(connection, JSON.stringify(frame));

  function toRoom(connection: Connection, chatId: string, frame: ServerFrame, exceptSelf = false) {
    fanout.publish({ chatId, userId: connection.userId, frame, ...(exceptSelf ? { exceptMember: connection.id } : {}) });
  }

  async function handleFrame(connection: Connection, frame: ClientFrame) {
    const chatId = frame.chat_id;
    const joined = connection.rooms.has(chatId);
    switch (frame.type) {
      case 'join': {
        if (joined) return send(connection, presence(connection, chatId, 'joined'));
        if (connection.rooms.size >= config.maxRooms) {
          return send(connection, errorFrame('too_many_rooms', `A socket may be in at most ${config.maxRooms} rooms`));
        }
        const allowed = await ownsChat(app.db, connection.userId, chatId);
        if (connection.ws.readyState !== WebSocket.OPEN) return;
        // Same answer whether the chat exists or is someone else's.
        if (!allowed) return send(connection, errorFrame('forbidden', 'You can join only chats you own', { chat_id: chatId }));
        if (connection.rooms.has(chatId)) return send(connection, presence(connection, chatId, 'joined'));
        rooms.join(connection, chatId);
        return toRoom(connection, chatId, presence(connection, chatId, 'joined'));
      }
      case 'leave':
        if (!joined) return send(connection, errorFrame('not_joined', 'This socket has not joined that chat', { chat_id: chatId }));
        toRoom(connection, chatId, presence(connection, chatId, 'left'));
        return rooms.leave(connection, chatId);
      case 'typing':
        if (!joined) return send(connection, errorFrame('not_joined', 'Join the chat before sending typing', { chat_id: chatId }));
        return toRoom(connection, chatId, { type: 'typing', chat_id: chatId, user_id: connection.userId }, true);
    }
  }

  function onMessage(connection: Connection, data: RawData, isBinary: boolean) {
    const now = Date.now();
    if (now - connection.minuteStarted >= 60_000) {
      connection.minuteStarted = now;
      connection.framesThisMinute = 0;
    }
    if (++connection.framesThisMinute > config.maxFramesPerMinute) {
      return send(connection, errorFrame('rate_limited', `At most ${config.maxFramesPerMinute} frames per minute`));
    }
    if (isBinary) return send(connection, errorFrame('invalid_frame', 'Frames must be JSON text, not binary'));
    const parsed = parse(rawText(data));
    if ('error' in parsed) return send(connection, parsed.error);
    handleFrame(connection, parsed.frame).catch((err: unknown) => {
      app.log.error({ err }, 'realtime frame failed');
      send(connection, errorFrame('internal_error', 'The frame could not be handled'));
    });
  }

  function onConnection(ws: WebSocket, claims: TokenClaims) {
    const connection: Connection = {
      id: randomUUID(),
      userId: claims.userId,
      rooms: new Set(),
      send: (text) => sendText(connection, text),
      ws,
      claims,
      alive: true,
      framesThisMinute: 0,
      minuteStarted: Date.now(),
    };
    connections.add(connection);
    app.log.debug({ socket: connection.id, userId: claims.userId }, 'websocket opened');
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data, isBinary) => onMessage(connection, data, isBinary));
    // ws closes the socket itself on protocol errors (1002, 1007, 1009); nothing more to do here.
    ws.on('error', () => {});
    ws.on('close', (code) => {
      connections.delete(connection);
      app.log.debug({ socket: connection.id, userId: claims.userId, code }, 'websocket closed');
      for (const chatId of [...connection.rooms]) {
        rooms.leave(connection, chatId);
        toRoom(connection, chatId, presence(connection, chatId, 'left'));
      }
    });
  }

  async function authenticate(req: IncomingMessage, url: URL): Promise<TokenClaims | { status: number; code: string; message: string }> {
    const token = url.searchParams.get('token') ?? tokenFromHeader(req.headers.authorization);
    if (!token) return { status: 401, code: 'unauthorized', message: 'A valid access token is required (?token=<jwt>)' };
    let claims: TokenClaims;
    try {
      claims = await app.tokens.verify(token);
    } catch {
      return { status: 401, code: 'invalid_token', message: 'The access token is invalid or expired' };
    }
    if (app.revocations.isRevoked(claims.jti)) return { status: 401, code: 'token_revoked', message: 'The access token has been revoked' };
    return claims;
  }

  return {
    handleUpgrade(req, socket, head) {
      // A client that resets mid-handshake must not surface as an uncaught error.
      socket.on('error', () => socket.destroy());
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return refuseUpgrade(socket, 400, 'invalid_request', 'The request URL is malformed');
      }
      if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not_found', 'WebSocket connections are served at /ws');
      if (closing) return refuseUpgrade(socket, 503, 'unavailable', 'The server is shutting down');
      authenticate(req, url)
        .then((result) => {
          if (!('userId' in result)) return refuseUpgrade(socket, result.status, result.code, result.message);
          if (closing) return refuseUpgrade(socket, 503, 'unavailable', 'The server is shutting down');
          wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, result));
        })
        .catch(() => socket.destroy());
    },
    onEvent(event) {
      const frame = frameForEvent(event);
      if (frame) fanout.publish({ chatId: event.chatId, userId: event.userId, frame });
    },
    connectionCount: () => connections.size,
    async close() {
      closing = true;
      clearInterval(heartbeat);
      stopRevocations();
      const closed = [...connections].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.ws.once('close', () => resolve());
            connection.ws.close(1001, 'The server is shutting down');
          }),
      );
      // Clients get a moment to answer the close frame; then their sockets are cut.
      const cut = setTimeout(() => {
        for (const connection of connections) connection.ws.terminate();
      }, 2000);
      await Promise.all(closed);
      clearTimeout(cut);
      wss.close();
    },
  };
}

function presence(connection: Connection, chatId: string, state: 'joined' | 'left'): ServerFrame {
  return { type: 'presence', chat_id: chatId, user_id: connection.userId, state };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** An HTTP answer on the raw socket (the upgrade never reached Express), in the usual envelope. */
function refuseUpgrade(socket: Duplex, status: number, code: string, message: string) {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(envelope(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
