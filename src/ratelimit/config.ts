import { parseDuration } from '../config.js';

/** The four limit classes of the seed contract. */
export type LimitClass = 'auth' | 'completions' | 'images' | 'uploads';

export interface Limit {
  max: number;
  windowMs: number;
}

/** `undefined` means the class is switched off (`T66_RATE_LIMIT_<CLASS>=off`). */
export type RateLimitConfig = Record<LimitClass, Limit | undefined>;

const DEFAULTS: Record<LimitClass, string> = {
  auth: '10/1m',
  completions: '100/1h',
  images: '50/1h',
  uploads: '20/1m',
};

const ENV_NAMES: Record<LimitClass, string> = {
  auth: 'T66_RATE_LIMIT_AUTH',
  completions: 'T66_RATE_LIMIT_COMPLETIONS',
  images: 'T66_RATE_LIMIT_IMAGES',
  uploads: 'T66_RATE_LIMIT_UPLOADS',
};

/** Parses `<max>/<window>`, e.g. `10/1m`, `100/1h`, `5/30` (seconds), or `off`. */
export function parseLimit(value: string, name: string): Limit | undefined {
  const trimmed = value.trim();
  if (trimmed === 'off') return undefined;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(trimmed);
  if (!match || Number(match[1]) < 1) {
    throw new Error(`${name} must look like 10/1m (requests per window) or be "off" (got "${value}")`);
  }
  const windowSeconds = parseDuration(match[2], name);
  if (windowSeconds < 1) throw new Error(`${name}: the window must be at least one second (got "${value}")`);
  return { max: Number(match[1]), windowMs: windowSeconds * 1000 };
}

export function loadRateLimitConfig(env: NodeJS.ProcessEnv): RateLimitConfig {
  const entries = (Object.keys(DEFAULTS) as LimitClass[]).map((limitClass) => {
    const name = ENV_NAMES[limitClass];
    return [limitClass, parseLimit(env[name] || DEFAULTS[limitClass], name)] as const;
  });
  return Object.fromEntries(entries) as RateLimitConfig;
}
