/**
 * A filter builder that binds values into a PocketBase filter expression, e.g.
 * `filter('chat = {:id} && content ~ {:q}', { id, q })`.
 *
 * The server's grammar reads a quoted string up to the first quote that has no backslash right
 * before it, then turns every backslash+quote into the quote; no other escape exists. So a value
 * is bound by putting a backslash before each of its quote characters. That round-trips every
 * string exactly (backslashes, newlines, unicode) except one that ends in a backslash: the closing
 * quote would read as escaped, in either quote style, and the grammar has no way around it, so
 * such a value is refused here instead of being silently changed.
 */

export type FilterValue = string | number | bigint | boolean | null | undefined | Date | readonly unknown[] | Record<string, unknown>;

export class FilterBindingError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'FilterBindingError';
  }
}

/** `value` as a quoted string literal of the filter grammar. */
export function quoteFilterString(value: string): string {
  if (value.endsWith('\\')) {
    throw new FilterBindingError(
      'a filter string cannot end with a backslash: the filter grammar reads the closing quote as escaped',
    );
  }
  // Pick the quote the value holds fewer of; both read back the same, this only keeps filters readable.
  const singles = value.split("'").length;
  const doubles = value.split('"').length;
  const quote = doubles < singles ? '"' : "'";
  return quote + value.split(quote).join(`\\${quote}`) + quote;
}

/** PocketBase's datetime form: `2025-01-01 10:30:00.000Z`. */
function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new FilterBindingError('cannot bind an invalid Date');
  return date.toISOString().replace('T', ' ');
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new FilterBindingError(`cannot bind ${value}: the filter grammar has no such number`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // The grammar has no exponent notation; write the number out in full.
  const fixed = Math.abs(value) >= 1 ? BigInt(Math.trunc(value)).toString() : value.toFixed(20).replace(/0+$/, '');
  if (Number(fixed) !== value) throw new FilterBindingError(`cannot bind ${value} exactly in decimal notation`);
  return fixed;
}

export function formatFilterValue(value: FilterValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteFilterString(value);
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return quoteFilterString(formatDate(value));
  return quoteFilterString(JSON.stringify(value));
}

/**
 * Replaces each `{:name}` placeholder with the bound, escaped value. A placeholder without a value
 * throws, so a typo cannot widen a filter.
 */
export function filter(expression: string, params: Record<string, FilterValue> = {}): string {
  return expression.replace(/\{:([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      throw new FilterBindingError(`no value bound for {:${name}}`);
    }
    return formatFilterValue(params[name]);
  });
}
