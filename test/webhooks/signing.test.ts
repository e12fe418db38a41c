import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateSecret, secretProblem, sign, signingKey } from '../../src/webhooks/secrets.js';
import { outcomeOf, retryDelayMs } from '../../src/webhooks/worker.js';
import { loadWebhookConfig } from '../../src/webhooks/config.js';
import { verifierFor } from './receiver.js';

describe('signatures', () => {
  const body = JSON.stringify({ type: 'chat.completed', timestamp: new Date().toISOString(), data: { ok: 'é ✓' } });
  const now = Math.floor(Date.now() / 1000);
  const headers = (secret: string) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': sign(signingKey(secret), 'msg_1', now, body) });

  it('verify with new Webhook(secret) for a generated whsec_ secret', () => {
    const secret = generateSecret();
    expect(new Webhook(secret).verify(body, headers(secret))).toEqual(JSON.parse(body));
  });

  it("verify with new Webhook('whsec_' + base64(secret)) for any other secret, non-ASCII included", () => {
    for (const secret of ['webhook_secret', 'pässwörd-🔑-long']) {
      expect(verifierFor(secret).verify(body, headers(secret))).toEqual(JSON.parse(body));
      expect(() => new Webhook(generateSecret()).verify(body, headers(secret))).toThrow(/No matching signature/);
    }
  });

  it('fail for a changed body', () => {
    const secret = generateSecret();
    expect(() => new Webhook(secret).verify(body.replace('ok', 'ko'), headers(secret))).toThrow(/No matching signature/);
  });

  it('refuse a whsec_ secret that is not padded base64', () => {
    expect(secretProblem('whsec_abc')).toBeDefined();
    expect(secretProblem('whsec_!!!!')).toBeDefined();
    expect(secretProblem(generateSecret())).toBeUndefined();
    expect(secretProblem('webhook_secret')).toBeUndefined();
  });
});

describe('retry schedule', () => {
  const config = { ...loadWebhookConfig({}), backoffMs: 1000, maxBackoffMs: 60_000, maxAttempts: 5 };

  it('waits four times longer after each attempt, within ±20%, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, config, () => 0.5))).toEqual([1000, 4000, 16_000, 60_000]);
    expect(retryDelayMs(1, config, () => 0)).toBe(800);
    expect(retryDelayMs(1, config, () => 1)).toBe(1200);
  });

  it('retries failures until the last attempt, then gives up', () => {
    const failed = { ok: false, status: 500, durationMs: 3, error: 'HTTP 500' };
    expect(outcomeOf(failed, 4, config)).toMatchObject({ status: 'pending', responseStatus: 500 });
    expect(outcomeOf(failed, 4, config).retryInMs).toBeGreaterThan(0);
    expect(outcomeOf(failed, 5, config)).toMatchObject({ status: 'failed', retryInMs: null });
    expect(outcomeOf({ ok: true, status: 204, durationMs: 3, error: null }, 1, config)).toMatchObject({ status: 'succeeded', retryInMs: null });
  });

  it('has documented defaults', () => {
    expect(loadWebhookConfig({})).toEqual({
      timeoutMs: 10_000,
      maxAttempts: 8,
      backoffMs: 5_000,
      maxBackoffMs: 6 * 3600_000,
      pollMs: 500,
      concurrency: 10,
      maxPerUser: 20,
      retentionDays: 30,
      allowPrivate: false,
    });
  });
});
