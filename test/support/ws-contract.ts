/**
 * The WebSocket side of the contract check: every frame a test sends through
 * `connect()` and every frame the server sends back is validated against
 * asyncapi.yaml (the message's payload schema, chosen by direction and `type`).
 * A violation is reported like an HTTP one (contract.ts) and fails the test.
 * Frames that are bad on purpose go through `sendRaw`, which is not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import YAML from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import WebSocket from 'ws';
import { violations } from './contract.js';

// ---- the contract, read from asyncapi.yaml -------------------------------------------

type Json = Record<string, unknown>;
const document = YAML.parse(fs.readFileSync(path.join(import.meta.dirname, '../../asyncapi.yaml'), 'utf8')) as Json;

function resolve(node: Json): Json {
  let current = node;
  while (typeof current.$ref === 'string') {
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((at, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, document);
  }
  return current;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema({ $id: 'asyncapi', components: { schemas: (document.components as Json).schemas } });

/** `type` -> validator, per direction, from the realtime channel's operations. */
function validatorsFor(action: 'send' | 'receive'): Map<string, ValidateFunction> {
  const map = new Map<string, ValidateFunction>();
  for (const operation of Object.values(document.operations as Record<string, Json>)) {
    if (operation.action !== action || resolve(operation.channel as Json) !== resolve({ $ref: '#/channels/realtime' })) continue;
    for (const ref of operation.messages as Json[]) {
      const payloadRef = (resolve(ref).payload as Json).$ref as string;
      const payload = resolve({ $ref: payloadRef });
      const type = ((payload.properties as Json).type as Json).const as string;
      map.set(type, ajv.getSchema(`asyncapi${payloadRef}`)!);
    }
  }
  return map;
}
// In AsyncAPI 3 the operations are the server's: it `receive`s what clients send.
const clientFrames = validatorsFor('receive');
const serverFrames = validatorsFor('send');

function check(direction: 'client' | 'server', frame: unknown, label: string) {
  const validators = direction === 'client' ? clientFrames : serverFrames;
  const type = (frame as { type?: unknown } | null)?.type;
  const validate = typeof type === 'string' ? validators.get(type) : undefined;
  if (!validate) {
    violations.push(`${label}: ${direction} frame of undeclared type: ${JSON.stringify(frame).slice(0, 300)}`);
  } else if (!validate(frame)) {
    violations.push(`${label}: ${direction} frame breaks asyncapi.yaml: ${JSON.stringify(validate.errors)} frame=${JSON.stringify(frame).slice(0, 300)}`);
  }
}

// ---- the client --------------------------------------------------------------------------

/** What the server sends, loosely typed for assertions (the schema check already ran). */
export interface Frame {
  type: string;
  chat_id?: string;
  [key: string]: unknown;
}

export interface TestSocket {
  ws: WebSocket;
  /** Sends a frame that must match asyncapi.yaml. */
  send(frame: Frame): void;
  /** Sends anything, unchecked (malformed frames on purpose). */
  sendRaw(data: string | Buffer, options?: { binary?: boolean }): void;
  /** Takes the first received frame (waiting up to `timeoutMs`) matching `match`; frames before it stay queued. */
  expectFrame(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Fails if a frame matching `match` arrives within `ms`. */
  expectNoFrame(match: (frame: Frame) => boolean, ms?: number): Promise<void>;
  /** Every frame received so far, in order (including taken ones). */
  received: Frame[];
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

const open = new Set<TestSocket>();
afterEach(async () => {
  await Promise.all([...open].map((socket) => socket.close()));
});

export function wsUrl(baseUrl: string, token?: string): string {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

/** Opens a socket to `/ws?token=` of a test server (its base URL, e.g. server.url). */
export async function connect(baseUrl: string, token: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(wsUrl(baseUrl, token), options);
  const label = `WS ${new URL(baseUrl).host}`;
  const pending: Frame[] = [];
  const received: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return void violations.push(`${label}: the server sent a binary frame`);
    let frame: Frame;
    try {
      frame = JSON.parse(data.toString()) as Frame;
    } catch {
      return void violations.push(`${label}: the server sent a frame that is not JSON: ${data.toString().slice(0, 200)}`);
    }
    check('server', frame, label);
    pending.push(frame);
    received.push(frame);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });

  const take = (match: (frame: Frame) => boolean) => {
    const index = pending.findIndex(match);
    return index < 0 ? undefined : pending.splice(index, 1)[0];
  };

  const socket: TestSocket = {
    ws,
    received,
    closed,
    send(frame) {
      check('client', frame, label);
      ws.send(JSON.stringify(frame));
    },
    sendRaw(data, options = {}) {
      ws.send(data, { binary: options.binary ?? false });
    },
    expectFrame(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const attempt = () => {
          const frame = take(match);
          if (frame) {
            done();
            resolve(frame);
          } else if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error(`socket closed while waiting for a frame; received: ${JSON.stringify(received).slice(0, 500)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching frame within ${timeoutMs} ms; received: ${JSON.stringify(received).slice(0, 500)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(attempt);
        };
        waiters.add(attempt);
        attempt();
      });
    },
    async expectNoFrame(match, ms = 300) {
      await new Promise((r) => setTimeout(r, ms));
      const frame = pending.find(match);
      if (frame) throw new Error(`unexpected frame: ${JSON.stringify(frame)}`);
    },
    async close() {
      open.delete(socket);
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      const timer = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(timer);
    },
  };
  open.add(socket);
  return socket;
}

/** Tries to open a socket that should be refused at upgrade; answers the HTTP status and JSON body. */
export function refusedUpgrade(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.on('error', reject);
  });
}
