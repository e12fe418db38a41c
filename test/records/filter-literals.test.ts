/**
 * The pieces of the filter language that need no database: the `~` pattern
 * rules (cases from PocketBase's TestLikeParamsWrapping), date literals and
 * the datetime macros.
 */
import { describe, expect, it } from 'vitest';
import { likePattern, macroValue, parseDateText } from '../../src/records/filter/literals.js';
import { parseFilter } from '../../src/records/filter/parser.js';
import { QuerySyntaxError } from '../../src/records/filter/errors.js';

describe('the ~ pattern', () => {
  it.each([
    ['abc', '%abc%'],
    ['ab%c', 'ab%c'],
    ['ab\\%c', '%ab\\%c%'],
    ['%ab\\%c', '%ab\\%c'],
    ['ab\\\\%c', 'ab\\\\%c'],
    ['ab\\\\\\%c', '%ab\\\\\\%c%'],
    ['ab_c', '%ab\\_c%'],
    ['ab\\_c', '%ab\\_c%'],
    ['%ab_c', '%ab_c'],
    ['ab\\c', '%ab\\\\c%'],
    ['_ab\\c_', '%\\_ab\\\\c\\_%'],
    ['ab\\c%', 'ab\\c%'],
    ['a\nb\\', '%a\nb\\\\%'],
  ])('%j becomes %j', (value, pattern) => {
    expect(likePattern(value)).toBe(pattern);
  });

  it('never ends in a lone escape, which PostgreSQL would refuse', () => {
    expect(likePattern('%abc\\')).toBe('%abc\\\\');
  });
});

describe('date literals', () => {
  it.each([
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01 10:20:30', '2025-01-01T10:20:30.000Z'],
    ['2025-01-01 10:20:30.123Z', '2025-01-01T10:20:30.123Z'],
    ['2025-01-01T10:20:30.5Z', '2025-01-01T10:20:30.500Z'],
    ['2025-01-01T10:20Z', '2025-01-01T10:20:00.000Z'],
    ['2025-01-01T10:20:30+02:00', '2025-01-01T08:20:30.000Z'],
    ['2025-01-01T10:20:30-0130', '2025-01-01T11:50:30.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseDateText(text)?.toISOString()).toBe(iso);
  });

  it.each(['2025-02-30', '2025-13-01', '2025-01-01 24:00:00', '0000-01-01', '2025-1-1', 'yesterday', '', '2025-01-01T10:20:30+19:00'])(
    '%j is not a date',
    (text) => {
      expect(parseDateText(text)).toBeUndefined();
    },
  );
});

describe('macros', () => {
  const now = new Date('2024-02-10T15:04:05.678Z'); // a Saturday in a leap year
  it.each([
    ['@now', '2024-02-10T15:04:05.678Z'],
    ['@yesterday', '2024-02-09T15:04:05.678Z'],
    ['@tomorrow', '2024-02-11T15:04:05.678Z'],
    ['@todayStart', '2024-02-10T00:00:00.000Z'],
    ['@todayEnd', '2024-02-10T23:59:59.999Z'],
    ['@monthStart', '2024-02-01T00:00:00.000Z'],
    ['@monthEnd', '2024-02-29T23:59:59.999Z'],
    ['@yearStart', '2024-01-01T00:00:00.000Z'],
    ['@yearEnd', '2024-12-31T23:59:59.999Z'],
  ])('%s is %s', (name, iso) => {
    expect((macroValue(name, now) as Date).toISOString()).toBe(iso);
  });

  it.each([
    ['@second', 5],
    ['@minute', 4],
    ['@hour', 15],
    ['@day', 10],
    ['@month', 2],
    ['@weekday', 6],
    ['@year', 2024],
  ])('%s is %i', (name, value) => {
    expect(macroValue(name, now)).toBe(value);
  });
});

describe('parsing limits', () => {
  it('refuses 100,000 nested parentheses quickly, without deep recursion', () => {
    const started = Date.now();
    const deep = `${'('.repeat(100_000)}a=1${')'.repeat(100_000)}`;
    expect(() => parseFilter(deep, { maxLength: 1_000_000, maxComparisons: 200, maxDepth: 32 })).toThrow(QuerySyntaxError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
