import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';

/**
 * Outbound requests to URLs that users (or providers on their behalf) chose:
 * provider image URLs, webhook endpoints. Every address a host name resolves to
 * is checked, and the connection is made to the checked address itself, so a
 * DNS answer that changes between check and connect (rebinding) cannot slip
 * through.
 */
export interface OutboundPolicy {
  /** Allow loopback, private, link-local and other non-public addresses (tests, trusted networks). */
  allowPrivate: boolean;
}

export function outboundPolicyFromEnv(env: NodeJS.ProcessEnv): OutboundPolicy {
  return { allowPrivate: env.T66_ALLOW_PRIVATE_URLS === 'true' };
}

/** The URL is not one T66 will send a request to; `reason` says why, in words fit for an API error. */
export class UnsafeUrlError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local, including fd00:ec2::254 (metadata)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const words = expandIpv6(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0) && (words[6] !== 0 || words[7] > 1)) return v4(words[6], words[7]);
  // IPv4-translated (::ffff:0:a.b.c.d, RFC 2765/6145) reaches IPv4 hosts through SIIT translators.
  if (zeros(0, 4) && words[4] === 0xffff && words[5] === 0) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  // Local-use NAT64 (64:ff9b:1::/48) may embed the IPv4 address anywhere; treat the whole range as non-public.
  if (words[0] === 0x64 && words[1] === 0xff9b && words[2] === 1) return '127.0.0.1';
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return undefined;
}

function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase().split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<string>(Math.max(fill, 0)).fill('0'), ...right].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

/** Whether an IP address is loopback, private, link-local, metadata, multicast or otherwise not a public host. */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== undefined) return blocked.check(inner, 'ipv4');
    return blocked.check(address.split('%')[0], 'ipv6');
  }
  return true;
}

function checkAddress(address: string, host: string, policy: OutboundPolicy) {
  if (!policy.allowPrivate && isNonPublicAddress(address)) {
    throw new UnsafeUrlError(`${host} resolves to ${address}, which is not a public address`);
  }
}

/** Parses and checks the parts of a URL that need no DNS: scheme, and a literal IP host. */
function parseOutboundUrl(input: string | URL, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UnsafeUrlError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError('only http and https URLs are allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) checkAddress(host, host, policy);
  return url;
}

/**
 * A `lookup` for http(s).request that resolves every address, refuses the
 * connection if any is non-public, and hands back only checked addresses.
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      try {
        if (addresses.length === 0) throw new UnsafeUrlError(`${hostname} has no address`);
        for (const a of addresses) checkAddress(a.address, hostname, policy);
      } catch (error) {
        return callback(error as NodeJS.ErrnoException, '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * Checks a URL before it is stored for later use (e.g. a webhook endpoint):
 * scheme, and every address its host resolves to now. The request itself must
 * still go through `guardedRequest`, since DNS can change.
 */
export async function assertPublicUrl(input: string | URL, policy: OutboundPolicy): Promise<URL> {
  const url = parseOutboundUrl(input, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) || policy.allowPrivate) return url;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true });
  } catch {
    throw new UnsafeUrlError(`${host} does not resolve`);
  }
  for (const a of addresses) checkAddress(a.address, host, policy);
  return url;
}

export interface GuardedRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole exchange, including redirects and reading the body. */
  timeoutMs: number;
  /** Larger bodies fail with ResponseTooLargeError. */
  maxBytes: number;
  /** Redirects followed (each hop checked again); 0 answers the 3xx itself. */
  maxRedirects?: number;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export class ResponseTooLargeError extends Error {}
export class OutboundTimeoutError extends Error {}

/**
 * One HTTP(S) request to a URL nobody vetted, with every hop's addresses
 * checked and the socket pinned to them, a deadline, and a body size cap.
 * Network failures reject with the underlying error; refused addresses with UnsafeUrlError.
 */
export async function guardedRequest(input: string | URL, options: GuardedRequestOptions, policy: OutboundPolicy): Promise<GuardedResponse> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let url = parseOutboundUrl(input, policy);
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(url, { ...options, method, body }, policy, deadline);
    const location = response.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(response.status) && typeof location === 'string';
    if (!redirect || hop >= (options.maxRedirects ?? 0)) return response;
    url = parseOutboundUrl(new URL(location, url), policy);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}

function requestOnce(
  url: URL,
  options: GuardedRequestOptions & { method: string },
  policy: OutboundPolicy,
  deadline: AbortSignal,
): Promise<GuardedResponse> {
  return new Promise((resolve, reject) => {
    if (deadline.aborted) return reject(new OutboundTimeoutError(`no answer within ${options.timeoutMs} ms`));
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = transport.request(url, { method: options.method, headers, lookup: guardedLookup(policy), agent: false });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      deadline.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (err: Error) => {
      settle(() => reject(err));
      req.destroy();
    };
    const onAbort = () => fail(new OutboundTimeoutError(`no answer within ${options.timeoutMs} ms`));
    deadline.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(new ResponseTooLargeError(`the response is larger than ${options.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () =>
        settle(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() })),
      );
      res.on('error', fail);
    });
    req.end(options.body);
  });
}
