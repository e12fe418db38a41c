import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The `fetch` the provider SDKs are given: node:http(s) with keep-alive
 * agents, answering with a small Response over node's own message. The SDKs
 * read a response through status, headers, text()/json(), and `body` as an
 * async iterable of bytes (their SSE readers take a node stream as it is).
 * Node's built-in fetch (undici), and a WHATWG Response over a web stream,
 * spend more CPU per call on that machinery than the rest of an SDK call
 * (measured in bench/README.md). It supports what the SDKs send: string or
 * byte bodies, a Headers object, an AbortSignal.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
};

export const httpFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const protocol = url.protocol as keyof typeof agents;
    if (!(protocol in agents)) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return reject(abortError());
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return reject(new TypeError('fetch failed: only string and byte bodies are supported'));
    }
    const method = (init?.method ?? 'GET').toUpperCase();
    const transport = protocol === 'https:' ? https : http;
    let response: IncomingMessage | undefined;
    const request = transport.request(url, { method, headers: plainHeaders(init?.headers), agent: agents[protocol] }, (res) => {
      response = res;
      const status = res.statusCode ?? 502;
      const empty = method === 'HEAD' || status === 204 || status === 304;
      if (empty) res.resume();
      resolve(new NodeResponse(res, url.href, status, empty) as unknown as Response);
    });
    // The body must fail as an AbortError too, as with the built-in fetch, so the SDKs see an abort and not a broken stream.
    const onAbort = () => {
      response?.destroy(abortError());
      request.destroy(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // 'close' comes once the response was read or the request failed; until then an abort must reach the body too.
    request.on('close', () => signal?.removeEventListener('abort', onAbort));
    request.on('error', (err) => reject(err.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err })));
    request.end(body ?? undefined);
  });

/** The part of the Response interface the SDKs use, over node's message; the body can be read once. */
class NodeResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: NodeHeaders;
  readonly redirected = false;
  readonly type = 'basic';
  private used = false;

  constructor(
    private readonly message: IncomingMessage,
    readonly url: string,
    readonly status: number,
    private readonly empty: boolean,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = message.statusMessage ?? '';
    this.headers = new NodeHeaders(message.headers);
  }

  get body(): AsyncIterable<Uint8Array> | null {
    return this.empty ? null : this.message;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    if (this.empty) return new Uint8Array(0);
    const chunks: Buffer[] = [];
    for await (const chunk of this.message) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** Read-only Headers over node's parsed, lower-cased response headers. */
class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    return this.raw['set-cookie'] ?? [];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) yield [name, this.get(name)!];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: NodeHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function plainHeaders(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers instanceof Headers ? headers.entries() : headers) out[name] = value;
    return out;
  }
  return { ...headers };
}

function abortError(): Error {
  return new DOMException('The operation was aborted', 'AbortError');
}
