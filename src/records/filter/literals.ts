/**
 * Literal values in filters: datetime macros, date strings, and the LIKE
 * pattern rules of PocketBase's `~` operator.
 */

const DAY_MS = 86_400_000;

/** PocketBase's identifier macros, evaluated in UTC at `now`. */
export function macroValue(name: string, now: Date): Date | number | undefined {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (name) {
    case '@now':
      return now;
    case '@yesterday':
      return new Date(now.getTime() - DAY_MS);
    case '@tomorrow':
      return new Date(now.getTime() + DAY_MS);
    case '@todayStart':
      return new Date(Date.UTC(y, m, d));
    case '@todayEnd':
      return new Date(Date.UTC(y, m, d, 23, 59, 59, 999));
    case '@monthStart':
      return new Date(Date.UTC(y, m, 1));
    case '@monthEnd':
      return new Date(Date.UTC(y, m + 1, 0, 23, 59, 59, 999));
    case '@yearStart':
      return new Date(Date.UTC(y, 0, 1));
    case '@yearEnd':
      return new Date(Date.UTC(y, 11, 31, 23, 59, 59, 999));
    case '@second':
      return now.getUTCSeconds();
    case '@minute':
      return now.getUTCMinutes();
    case '@hour':
      return now.getUTCHours();
    case '@day':
      return d;
    case '@month':
      return m + 1;
    case '@weekday':
      return now.getUTCDay();
    case '@year':
      return y;
    default:
      return undefined;
  }
}

const DATE_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)? ?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a date as PocketBase and the SDK write it (`2025-01-01 10:00:00.000Z`,
 * `pb.filter()` of a Date) or as ISO 8601 (`2025-01-01T10:00:00Z`); a date
 * alone means midnight UTC, a missing zone means UTC. Answers undefined for
 * anything else, including impossible dates and years outside 1-9999.
 */
export function parseDateText(text: string): Date | undefined {
  const match = DATE_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fraction = '0', zone] = match;
  const [year, month, day, hour, minute, second] = [ys, mos, ds, hs, mis, ss].map(Number);
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (offsetMinutes > 18 * 60) return undefined;
    date.setTime(date.getTime() - sign * offsetMinutes * 60_000);
  }
  const utcYear = date.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? date : undefined;
}

/** Whether `text` holds a `char` not escaped by a backslash (a pair of backslashes escapes nothing). */
function hasUnescaped(text: string, char: string): boolean {
  let escaped = false;
  for (const c of text) {
    if (c === char && !escaped) return true;
    escaped = c === '\\' && !escaped;
  }
  return false;
}

/** Puts a backslash before each `%`, `_` and `\` that has none yet. */
function escapeWildcards(text: string): string {
  const chars = [...text];
  const out: string[] = [];
  let needsEscape = false;
  // Right to left, so that "is it already escaped?" looks at the character before.
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i];
    if (needsEscape) {
      if (c !== '\\') out.push('\\');
      needsEscape = false;
    } else if (c === '%' || c === '_' || c === '\\') {
      needsEscape = true;
    }
    out.push(c);
  }
  if (needsEscape) out.push('\\');
  return out.reverse().join('');
}

/** A pattern must not end in a lone escape character: PostgreSQL rejects that. Such a backslash is taken literally. */
function closeDanglingEscape(pattern: string): string {
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] === '\\') {
      if (i === pattern.length - 1) return `${pattern}\\`;
      i += 2;
    } else {
      i++;
    }
  }
  return pattern;
}

/**
 * The LIKE pattern for `field ~ value`: a contains-match (`%value%` with `%`
 * and `_` escaped), unless the value already holds an unescaped `%`, in which
 * case it is the caller's own pattern.
 */
export function likePattern(value: string): string {
  return closeDanglingEscape(hasUnescaped(value, '%') ? value : `%${escapeWildcards(value)}%`);
}
