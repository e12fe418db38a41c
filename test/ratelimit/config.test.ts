import { describe, expect, it } from 'vitest';
import { loadRateLimitConfig, parseLimit } from '../../src/ratelimit/config.js';

describe('rate limit settings', () => {
  it("default to the seed's limits", () => {
    expect(loadRateLimitConfig({})).toEqual({
      auth: { max: 10, windowMs: 60_000 },
      completions: { max: 100, windowMs: 3_600_000 },
      images: { max: 50, windowMs: 3_600_000 },
      uploads: { max: 20, windowMs: 60_000 },
    });
  });

  it('read <max>/<window> with the window in seconds or s, m, h, d, and "off"', () => {
    expect(parseLimit('5/30', 'X')).toEqual({ max: 5, windowMs: 30_000 });
    expect(parseLimit(' 200 / 1d ', 'X')).toEqual({ max: 200, windowMs: 86_400_000 });
    expect(parseLimit('off', 'X')).toBeUndefined();
    expect(loadRateLimitConfig({ T66_RATE_LIMIT_IMAGES: 'off' }).images).toBeUndefined();
  });

  it('refuse anything else, naming the variable', () => {
    for (const bad of ['10', '0/1m', '10/', '10/1w', 'ten/1m', '10/0']) {
      expect(() => loadRateLimitConfig({ T66_RATE_LIMIT_AUTH: bad }), bad).toThrow(/T66_RATE_LIMIT_AUTH/);
    }
  });
});
