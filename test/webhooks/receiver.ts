import http from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * A webhook receiver on 127.0.0.1, written the way a T66 user would write one:
 * it verifies every request with the `standardwebhooks` library and answers 400
 * to anything unsigned or wrongly signed. It also checks each body against the
 * webhook messages of asyncapi.yaml.
 */

const asyncapi = parse(fs.readFileSync(new URL('../../asyncapi.yaml', import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema(asyncapi, 'asyncapi');
const bodySchemas = {
  'chat.message.created': ajv.getSchema('asyncapi#/components/schemas/ChatMessageCreatedWebhook')!,
  'chat.completed': ajv.getSchema('asyncapi#/components/schemas/ChatCompletedWebhook')!,
};

/** The verifier a receiver builds from the secret T66 answered at registration (see README "Webhooks"). */
export function verifierFor(secret: string): Webhook {
  return new Webhook(secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`);
}

export interface Received {
  id: string;
  timestamp: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  answered: number;
  at: number;
}

/** What to answer the n-th request (from 1): a status, or 'hang' to never answer. */
export type Behaviour = (request: { n: number; id: string }) => number | 'hang' | Promise<number | 'hang'>;

export interface Receiver {
  url: string;
  port: number;
  /** Every correctly signed request, in arrival order (retries included). */
  requests: Received[];
  /** Requests that failed verification or the schema; a test expects none. */
  problems: string[];
  behave(behaviour: Behaviour): void;
  /** Distinct webhook-ids answered with 2xx. */
  acknowledged(): Set<string>;
  waitFor(condition: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Stops listening (a receiver that is down); `listen` brings it back on the same port. */
  close(): Promise<void>;
  listen(): Promise<void>;
}

export async function startReceiver(secret: string | (() => string), options: { port?: number } = {}): Promise<Receiver> {
  const secretOf = typeof secret === 'function' ? secret : () => secret;
  let behaviour: Behaviour = () => 200;
  const requests: Received[] = [];
  const problems: string[] = [];
  const hanging = new Set<http.ServerResponse>();
  let n = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      let body: Received['body'];
      try {
        body = verifierFor(secretOf()).verify(payload, req.headers as Record<string, string>) as Received['body'];
      } catch (err) {
        problems.push(`${req.headers['webhook-id']}: ${String(err)}`);
        res.writeHead(400).end();
        return;
      }
      const validate = bodySchemas[body.type as keyof typeof bodySchemas];
      if (!validate) problems.push(`unknown event type ${body.type}`);
      else if (!validate(body)) problems.push(`${body.type} breaks asyncapi.yaml: ${JSON.stringify(validate.errors)}`);
      if (req.headers['content-type'] !== 'application/json') problems.push(`content-type ${req.headers['content-type']}`);
      const id = String(req.headers['webhook-id']);
      const answer = await behaviour({ n: ++n, id });
      const entry: Received = { id, timestamp: String(req.headers['webhook-timestamp']), body, answered: 0, at: Date.now() };
      requests.push(entry);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      entry.answered = answer;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;

  let port = options.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  const receiver: Receiver = {
    get url() {
      return `http://127.0.0.1:${port}/hooks`;
    },
    get port() {
      return port;
    },
    requests,
    problems,
    behave(next) {
      behaviour = next;
    },
    acknowledged() {
      return new Set(requests.filter((r) => r.answered >= 200 && r.answered < 300).map((r) => r.id));
    },
    async waitFor(condition, timeoutMs = 15_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${requests.length} requests`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    listen,
  };
  return receiver;
}

/** A port with nothing listening on it (for a receiver that is down). */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
