import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { ApiError } from '../http/errors.js';
import { compileFilter } from './filter/compiler.js';
import { QuerySyntaxError } from './filter/errors.js';
import type { FieldSchema } from './filter/fields.js';

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;
export const MAX_SORT_FIELDS = 8;
/** Pages beyond this are past the end of any real collection; answering them empty spares PostgreSQL a huge OFFSET. */
const MAX_OFFSET = 1_000_000_000;

/** The list query parameters as openapi-backend hands them over (already type-checked, maybe not coerced). */
export interface ListQueryInput {
  page?: number | string;
  perPage?: number | string;
  sort?: string;
  filter?: string;
  skipTotal?: boolean | number | string;
}

export interface OrderTerm {
  expr: RawBuilder<unknown>;
  direction: 'asc' | 'desc';
}

/** What a list request asks for, checked and compiled: the caller's condition is added by each collection. */
export interface ListPlan {
  page: number;
  perPage: number;
  offset: number;
  /** True when the page lies so far out that it must be empty. */
  pastEnd: boolean;
  skipTotal: boolean;
  where: RawBuilder<SqlBool> | undefined;
  orderBy: OrderTerm[];
}

export interface ListEnvelope<T> {
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
  items: T[];
}

/**
 * Express decodes a query string leniently, turning bytes that are not UTF-8
 * into U+FFFD. A filter must mean exactly what was sent, so such a query
 * answers 400 instead.
 */
export function assertUtf8Query(url: string) {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  for (const part of query.split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      throw new ApiError(400, 'invalid_encoding', 'The query string is not valid percent-encoded UTF-8');
    }
  }
}

function toInt(value: number | string | undefined, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return n === undefined || !Number.isFinite(n) ? fallback : Math.trunc(n);
}

function toBool(value: boolean | number | string | undefined): boolean {
  return value === true || value === 1 || value === 'true' || value === '1';
}

export function planList(query: ListQueryInput | undefined, fields: FieldSchema, callerId: string, now = new Date()): ListPlan {
  const page = Math.max(1, toInt(query?.page, 1));
  const requested = toInt(query?.perPage, DEFAULT_PER_PAGE);
  const perPage = requested < 1 ? DEFAULT_PER_PAGE : Math.min(requested, MAX_PER_PAGE);
  const offset = (page - 1) * perPage;
  const filterText = query?.filter ?? '';
  let where: RawBuilder<SqlBool> | undefined;
  try {
    where = filterText === '' ? undefined : compileFilter(filterText, fields, { callerId, now });
  } catch (err) {
    throw queryError(err, 'filter');
  }
  let orderBy: OrderTerm[];
  try {
    // As in PocketBase, an empty sort is no sort given.
    orderBy = parseSort(query?.sort || '-created', fields);
  } catch (err) {
    throw queryError(err, 'sort');
  }
  return { page, perPage, offset, pastEnd: offset > MAX_OFFSET, skipTotal: toBool(query?.skipTotal), where, orderBy };
}

function queryError(err: unknown, parameter: 'filter' | 'sort'): unknown {
  if (!(err instanceof QuerySyntaxError)) return err;
  return new ApiError(400, `invalid_${parameter}`, `The ${parameter} is invalid: ${err.reason}`, {
    parameter,
    position: err.position,
    reason: err.reason,
  });
}

/**
 * PocketBase's sort syntax: `-created,title`, with `+` optional for ascending
 * and `@random`. Only sortable fields of the collection are accepted. The last
 * term is followed by `id` in the same direction, so equal values always come
 * back in the same order and an index on (..., created, id) serves it.
 */
export function parseSort(text: string, fields: FieldSchema): OrderTerm[] {
  const terms: OrderTerm[] = [];
  let position = 0;
  let hasId = false;
  const entries = text.split(',');
  if (entries.length > MAX_SORT_FIELDS) throw new QuerySyntaxError(0, `at most ${MAX_SORT_FIELDS} sort fields are allowed`);
  for (const entry of entries) {
    const name = entry.trim();
    const at = position + entry.indexOf(name);
    position += entry.length + 1;
    const direction = name.startsWith('-') ? 'desc' : 'asc';
    const fieldName = name.replace(/^[-+]/, '');
    if (fieldName === '') throw new QuerySyntaxError(at, 'empty sort field');
    if (fieldName === '@random') {
      terms.push({ expr: sql`random()`, direction: 'asc' });
      continue;
    }
    const field = fields[fieldName];
    if (!field || field.kind !== 'scalar' || !field.sortable) {
      const sortable = Object.entries(fields)
        .filter(([, f]) => f.kind === 'scalar' && f.sortable)
        .map(([n]) => n);
      throw new QuerySyntaxError(at, `"${fieldName}" is not a sortable field; sortable: ${sortable.join(', ')}`);
    }
    if (fieldName === 'id') hasId = true;
    // Text sorts by code point, as PocketBase's SQLite does; ids are plain ASCII and keep their index order.
    const expr = field.type === 'text' && fieldName !== 'id' ? sql`${field.sql} COLLATE "C"` : field.sql;
    terms.push({ expr, direction });
  }
  if (!hasId) {
    const id = fields.id;
    if (id?.kind === 'scalar') terms.push({ expr: id.sql, direction: terms[terms.length - 1]?.direction ?? 'asc' });
  }
  return terms;
}

/** Runs the page query and, unless skipped, the count, side by side. */
export function pageAndTotal<R>(
  plan: ListPlan,
  rows: () => Promise<R[]>,
  count: () => Promise<{ n: number | string }>,
): Promise<[R[], number | undefined]> {
  return Promise.all([plan.pastEnd ? [] : rows(), plan.skipTotal ? undefined : count().then((r) => Number(r.n))]);
}

export function listEnvelope<T>(plan: ListPlan, items: T[], total: number | undefined): ListEnvelope<T> {
  if (total === undefined) return { page: plan.page, perPage: plan.perPage, totalItems: -1, totalPages: -1, items };
  return { page: plan.page, perPage: plan.perPage, totalItems: total, totalPages: Math.ceil(total / plan.perPage), items };
}
