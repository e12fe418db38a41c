import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPublicUrl,
  guardedRequest,
  isNonPublicAddress,
  OutboundTimeoutError,
  ResponseTooLargeError,
  UnsafeUrlError,
} from '../../src/net/ssrf.js';
import { startFakeServer, type FakeServer } from '../support/fakes/http.js';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };
const quick = { timeoutMs: 2000, maxBytes: 1024 };

let target: FakeServer;

beforeAll(async () => {
  target = await startFakeServer(async (req, res) => {
    if (req.path === '/redirect-to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void res.end();
    }
    if (req.path === '/redirect-home') {
      res.writeHead(302, { location: '/hello' });
      return void res.end();
    }
    if (req.path === '/big') return void res.end(Buffer.alloc(4096));
    if (req.path === '/slow') await new Promise((resolve) => setTimeout(resolve, 1500));
    res.end(`hello from ${req.path}`);
  });
});
afterAll(() => target.close());

describe('which addresses count as non-public', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '::ffff:0:7f00:1',
    '64:ff9b:1::7f00:1',
    '2002:7f00:1::',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('guardedRequest', () => {
  it('refuses loopback by IP, before connecting', async () => {
    await expect(guardedRequest(`${target.origin}/x`, quick, strict)).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(target.requests.some((r) => r.path === '/x')).toBe(false);
  });

  it('refuses a host name that resolves to loopback (checked at connect time)', async () => {
    const port = new URL(target.origin).port;
    await expect(guardedRequest(`http://localhost:${port}/by-name`, quick, strict)).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(target.requests.some((r) => r.path === '/by-name')).toBe(false);
  });

  it('refuses schemes other than http and https', async () => {
    await expect(guardedRequest('file:///etc/passwd', quick, lenient)).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(guardedRequest('ftp://example.com/x', quick, lenient)).rejects.toBeInstanceOf(UnsafeUrlError);
  });

  it('checks every redirect hop again', async () => {
    // The first hop is allowed here only because the test server is on loopback; the hop to metadata is not.
    const policy = { allowPrivate: true };
    const res = await guardedRequest(`${target.origin}/redirect-home`, { ...quick, maxRedirects: 2 }, policy);
    expect(res.body.toString()).toBe('hello from /hello');
    const guarded = guardedRequest(`${target.origin}/redirect-to-metadata`, { ...quick, maxRedirects: 2 }, strict);
    await expect(guarded).rejects.toBeInstanceOf(UnsafeUrlError);
  });

  it('answers a redirect itself when redirects are not followed', async () => {
    const res = await guardedRequest(`${target.origin}/redirect-home`, quick, lenient);
    expect(res.status).toBe(302);
  });

  it('caps the body and the time', async () => {
    await expect(guardedRequest(`${target.origin}/big`, quick, lenient)).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(guardedRequest(`${target.origin}/slow`, { ...quick, timeoutMs: 200 }, lenient)).rejects.toBeInstanceOf(OutboundTimeoutError);
  });

  it('sends method, headers and body when allowed', async () => {
    const res = await guardedRequest(`${target.origin}/post`, { ...quick, method: 'POST', headers: { 'x-test': '1' }, body: 'payload' }, lenient);
    expect(res.status).toBe(200);
    const seen = target.requests.find((r) => r.path === '/post')!;
    expect(seen).toMatchObject({ method: 'POST', body: 'payload' });
    expect(seen.headers['x-test']).toBe('1');
  });
});

describe('assertPublicUrl', () => {
  it('refuses private literals and names that resolve to them', async () => {
    await expect(assertPublicUrl('http://10.0.0.1/hook', strict)).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(assertPublicUrl('http://localhost/hook', strict)).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(assertPublicUrl('http://[::1]:8080/hook', strict)).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(assertPublicUrl('http://8.8.8.8/hook', strict)).resolves.toBeInstanceOf(URL);
    await expect(assertPublicUrl('http://localhost/hook', lenient)).resolves.toBeInstanceOf(URL);
  });
});
