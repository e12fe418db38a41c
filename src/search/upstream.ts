import { ApiError } from '../http/errors.js';

/** The provider failed or answered something T66 cannot read: 502. */
export function badUpstream(provider: string, message: string, details?: Record<string, unknown>): ApiError {
  return new ApiError(502, 'upstream_error', `${provider}: ${message}`, { provider, ...details });
}

/**
 * One request to a search provider, answered as parsed JSON. Network errors
 * and non-2xx answers become 502, a deadline passed becomes 504.
 */
export async function requestJson(provider: string, url: URL, init: RequestInit, signal: AbortSignal): Promise<unknown> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal, redirect: 'error' });
    text = await response.text();
  } catch (err) {
    if (signal.aborted) throw new ApiError(504, 'upstream_timeout', `${provider} did not answer in time`, { provider });
    throw badUpstream(provider, `could not be reached (${(err as Error).message})`);
  }
  if (!response.ok) {
    throw badUpstream(provider, `answered HTTP ${response.status}`, { provider_status: response.status });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badUpstream(provider, 'answered something that is not JSON');
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Snippets arrive with highlighting markup (`<strong>`) and entities; clients get plain text. */
export function plainText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

export function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}

/** A date (YYYY-MM-DD) from whatever the provider sent, or null. */
export function publishedDate(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
  if (iso) return iso[1];
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().slice(0, 10);
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function recordList(value: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}
