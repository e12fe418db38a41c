import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { QuerySyntaxError } from './errors.js';
import type { SignOp } from './lexer.js';
import { parseFilter, type FilterLimits, type FilterNode, type Operand } from './parser.js';
import type { FieldSchema, MultiField, ValueType } from './fields.js';
import { likePattern, macroValue, parseDateText } from './literals.js';

export interface FilterContext {
  /** The caller, for `@request.auth.id`. */
  callerId: string;
  /** The instant the datetime macros (@now, @todayStart, ...) are relative to. */
  now: Date;
  limits?: FilterLimits;
}

type Sql = RawBuilder<unknown>;

type Literal =
  | { kind: 'literal'; type: 'text'; value: string; pos: number }
  | { kind: 'literal'; type: 'number'; value: number; raw: string; pos: number }
  | { kind: 'literal'; type: 'date'; value: Date; pos: number }
  | { kind: 'literal'; type: 'bool'; value: boolean; pos: number }
  | { kind: 'literal'; type: 'null'; pos: number };

interface Column {
  kind: 'column';
  type: ValueType;
  sql: Sql;
  nullable: boolean;
  name: string;
  pos: number;
}

interface Multi {
  kind: 'multi';
  field: MultiField;
  name: string;
  pos: number;
}

type Value = Literal | Column | Multi;
type ScalarValue = Literal | Column;

const TRUE = sql<SqlBool>`TRUE`;
const FALSE = sql<SqlBool>`FALSE`;

/**
 * Compiles a PocketBase filter into a SQL condition. Every value the caller
 * wrote becomes a bound parameter; only column expressions from `fields` and
 * fixed SQL from this file ever become SQL text, so a value cannot change the
 * query's structure. Throws QuerySyntaxError for anything it cannot run.
 */
export function compileFilter(input: string, fields: FieldSchema, context: FilterContext): RawBuilder<SqlBool> {
  const tree = parseFilter(input, context.limits);
  return new Compiler(fields, context).node(tree);
}

class Compiler {
  private aliasCount = 0;

  constructor(
    private readonly fields: FieldSchema,
    private readonly context: FilterContext,
  ) {}

  node(node: FilterNode): RawBuilder<SqlBool> {
    if (node.kind === 'comparison') return this.comparison(node.left, node.op, node.right);
    const parts = node.items.map((item) => this.node(item));
    return sql<SqlBool>`(${sql.join(parts, node.kind === 'and' ? sql` AND ` : sql` OR `)})`;
  }

  private comparison(leftOperand: Operand, signOp: SignOp, rightOperand: Operand): RawBuilder<SqlBool> {
    const left = this.resolve(leftOperand);
    const right = this.resolve(rightOperand);
    const anyOf = signOp.startsWith('?');
    const op = (anyOf ? signOp.slice(1) : signOp) as BaseOp;
    if (left.kind !== 'multi' && right.kind !== 'multi') return scalarComparison(left, op, right);

    // A list compares value by value: `?op` holds if any value matches, a plain op only if all do.
    const sources: Sql[] = [];
    const element = (value: Value): ScalarValue => {
      if (value.kind !== 'multi') return value;
      const alias = `__v${++this.aliasCount}`;
      sources.push(value.field.values(alias));
      return { kind: 'column', type: 'text', sql: sql.ref(`${alias}.x`), nullable: true, name: value.name, pos: value.pos };
    };
    const condition = scalarComparison(element(left), op, element(right));
    const from = sql.join(sources, sql` CROSS JOIN `);
    return anyOf
      ? sql<SqlBool>`EXISTS (SELECT 1 FROM ${from} WHERE ${condition})`
      : sql<SqlBool>`NOT EXISTS (SELECT 1 FROM ${from} WHERE (${condition}) IS NOT TRUE)`;
  }

  private resolve(operand: Operand): Value {
    if (operand.kind === 'text') return { kind: 'literal', type: 'text', value: operand.value, pos: operand.pos };
    if (operand.kind === 'number') {
      return { kind: 'literal', type: 'number', value: operand.value, raw: operand.raw, pos: operand.pos };
    }
    const { name, pos } = operand;
    if (name.startsWith('@')) return this.macro(name, pos);

    const [path, modifier, ...rest] = name.split(':');
    const field = this.fields[path];
    if (!field) {
      if (!modifier) {
        const lower = name.toLowerCase();
        if (lower === 'null') return { kind: 'literal', type: 'null', pos };
        if (lower === 'true' || lower === 'false') return { kind: 'literal', type: 'bool', value: lower === 'true', pos };
      }
      throw new QuerySyntaxError(pos, `unknown field "${path}"; known fields: ${Object.keys(this.fields).join(', ')}`);
    }
    if (rest.length > 0) throw new QuerySyntaxError(pos, `"${name}" has more than one modifier`);
    if (modifier === undefined) {
      return field.kind === 'multi'
        ? { kind: 'multi', field, name, pos }
        : { kind: 'column', type: field.type, sql: field.sql, nullable: field.nullable, name, pos };
    }
    if (modifier === 'length' && field.kind === 'multi') {
      return { kind: 'column', type: 'number', sql: field.length, nullable: false, name, pos };
    }
    if (modifier === 'lower' && field.kind === 'scalar' && field.type === 'text') {
      return { kind: 'column', type: 'text', sql: sql`LOWER(${field.sql})`, nullable: field.nullable, name, pos };
    }
    throw new QuerySyntaxError(
      pos,
      `the modifier ":${modifier}" is not supported on ${path} (supported: :length on lists, :lower on text)`,
    );
  }

  private macro(name: string, pos: number): Literal {
    if (name === '@request.auth.id') return { kind: 'literal', type: 'text', value: this.context.callerId, pos };
    const value = macroValue(name, this.context.now);
    if (value instanceof Date) return { kind: 'literal', type: 'date', value, pos };
    if (typeof value === 'number') return { kind: 'literal', type: 'number', value, raw: String(value), pos };
    throw new QuerySyntaxError(pos, `unknown macro "${name}"`);
  }
}

type BaseOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~';

function scalarComparison(left: ScalarValue, op: BaseOp, right: ScalarValue): RawBuilder<SqlBool> {
  if (op === '~' || op === '!~') return likeComparison(left, op, right);
  if (op === '=' || op === '!=') return equality(left, op === '=', right);
  return ordering(left, op, right);
}

function describeValue(value: ScalarValue): string {
  if (value.kind === 'column') return `${value.name} (${value.type})`;
  return value.type === 'null' ? 'null' : `a ${value.type === 'bool' ? 'boolean' : value.type}`;
}

function mismatch(left: ScalarValue, right: ScalarValue): QuerySyntaxError {
  return new QuerySyntaxError(left.pos, `cannot compare ${describeValue(left)} with ${describeValue(right)}`);
}

/** A date column as the text the API answers (`2025-01-01T10:00:00.000Z`), for text comparisons and `~`. */
function dateAsText(expr: Sql): Sql {
  return sql`to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function literalSql(literal: Literal, type: ValueType | 'bool'): Sql {
  switch (literal.type) {
    case 'text':
      return sql`${literal.value}::text`;
    case 'number':
      return type === 'text' ? sql`${literal.raw}::text` : sql`${literal.value}::float8`;
    case 'date':
      return type === 'text' ? sql`${literal.value.toISOString()}::text` : sql`${literal.value.toISOString()}::timestamptz`;
    case 'bool':
      return sql`${literal.value}::boolean`;
    case 'null':
      return sql`NULL`;
  }
}

/** Operands brought to one type, or a 400 when they cannot be. */
interface Unified {
  type: ValueType | 'bool';
  leftSql: Sql;
  rightSql: Sql;
}

function isEmpty(value: ScalarValue, otherType: ValueType | 'bool' | 'null'): boolean {
  if (value.kind !== 'literal') return false;
  if (value.type === 'null') return true;
  // '' stands for "no value" next to text, and for NULL next to numbers and dates, as in PocketBase.
  return value.type === 'text' && value.value === '' && otherType !== 'bool';
}

function columnSql(column: Column, type: ValueType | 'bool'): Sql {
  return column.type === 'date' && type === 'text' ? dateAsText(column.sql) : column.sql;
}

/** The type both sides compare as: the column's type, to which a literal is converted. */
function unify(left: ScalarValue, right: ScalarValue): Unified {
  const type = commonType(left, right);
  const side = (value: ScalarValue) => (value.kind === 'column' ? columnSql(value, type) : literalSql(convertLiteral(value, type), type));
  return { type, leftSql: side(left), rightSql: side(right) };
}

function commonType(left: ScalarValue, right: ScalarValue): ValueType | 'bool' {
  if (left.kind === 'column' && right.kind === 'column') {
    if (left.type === right.type) return left.type;
    if ((left.type === 'date' && right.type === 'text') || (left.type === 'text' && right.type === 'date')) return 'text';
    throw mismatch(left, right);
  }
  const [column, literal] = left.kind === 'column' ? [left, right as Literal] : right.kind === 'column' ? [right, left] : [undefined, undefined];
  if (column && literal) {
    if (column.type === 'date' && literal.type === 'text' && !parseDateText(literal.value)) return 'text';
    return column.type;
  }
  // Two literals.
  const a = left as Literal;
  const b = right as Literal;
  if (a.type === b.type) return a.type === 'null' ? 'text' : a.type;
  const types = new Set([a.type, b.type]);
  if (types.has('bool')) throw mismatch(left, right);
  if (types.has('date')) {
    const text = a.type === 'text' ? a : b.type === 'text' ? b : undefined;
    return text?.type === 'text' && parseDateText(text.value) ? 'date' : 'text';
  }
  return 'text';
}

function convertLiteral(literal: Literal, type: ValueType | 'bool'): Literal {
  if (literal.type === type || literal.type === 'null') return literal;
  const fail = (why: string) => new QuerySyntaxError(literal.pos, why);
  switch (type) {
    case 'text':
      if (literal.type === 'number') return { ...literal, type: 'text', value: literal.raw };
      if (literal.type === 'date') return { ...literal, type: 'text', value: literal.value.toISOString() };
      throw fail('a boolean cannot be compared with text');
    case 'number':
      if (literal.type === 'text' && /^\s*-?\d+(\.\d+)?\s*$/.test(literal.value)) {
        return { kind: 'literal', type: 'number', value: Number(literal.value), raw: literal.value.trim(), pos: literal.pos };
      }
      throw fail(literal.type === 'text' ? `"${literal.value}" is not a number` : `a ${literal.type === 'bool' ? 'boolean' : literal.type} is not a number`);
    case 'date': {
      const date = literal.type === 'text' ? parseDateText(literal.value) : undefined;
      if (date) return { kind: 'literal', type: 'date', value: date, pos: literal.pos };
      throw fail(`a ${literal.type === 'bool' ? 'boolean' : literal.type} is not a date`);
    }
    case 'bool':
      throw fail(`a ${literal.type} is not a boolean`);
  }
}

/**
 * `=` and `!=` as PocketBase defines them: null and '' are the same "empty"
 * value, and `!=` is NULL-safe (a missing value differs from any given one).
 */
function equality(left: ScalarValue, equal: boolean, right: ScalarValue): RawBuilder<SqlBool> {
  const leftEmpty = isEmpty(left, right.type);
  const rightEmpty = isEmpty(right, left.type);
  if (leftEmpty && rightEmpty) return equal ? TRUE : FALSE;
  if (leftEmpty) return emptyCheck(right, equal);
  if (rightEmpty) return emptyCheck(left, equal);

  const { type, leftSql, rightSql } = unify(left, right);
  const nullable = (v: ScalarValue) => v.kind === 'column' && v.nullable;
  if (left.kind === 'column' && right.kind === 'column' && (left.nullable || right.nullable)) {
    if (type === 'text') {
      return equal
        ? sql<SqlBool>`COALESCE(${leftSql}, '') = COALESCE(${rightSql}, '')`
        : sql<SqlBool>`COALESCE(${leftSql}, '') <> COALESCE(${rightSql}, '')`;
    }
    return equal ? sql<SqlBool>`${leftSql} IS NOT DISTINCT FROM ${rightSql}` : sql<SqlBool>`${leftSql} IS DISTINCT FROM ${rightSql}`;
  }
  if (equal) return sql<SqlBool>`${leftSql} = ${rightSql}`;
  return nullable(left) || nullable(right)
    ? sql<SqlBool>`${leftSql} IS DISTINCT FROM ${rightSql}`
    : sql<SqlBool>`${leftSql} <> ${rightSql}`;
}

/** `x = null` / `x != null`, where null also means the empty string for text. */
function emptyCheck(value: ScalarValue, equal: boolean): RawBuilder<SqlBool> {
  if (value.kind === 'literal') {
    // A non-empty literal is never empty.
    return equal ? FALSE : TRUE;
  }
  const expr = columnSql(value, value.type);
  if (value.type === 'text') {
    if (!value.nullable) return equal ? sql<SqlBool>`${expr} = ''` : sql<SqlBool>`${expr} <> ''`;
    return equal ? sql<SqlBool>`(${expr} = '' OR ${expr} IS NULL)` : sql<SqlBool>`(${expr} <> '' AND ${expr} IS NOT NULL)`;
  }
  if (!value.nullable) return equal ? FALSE : TRUE;
  return equal ? sql<SqlBool>`${expr} IS NULL` : sql<SqlBool>`${expr} IS NOT NULL`;
}

function ordering(left: ScalarValue, op: '>' | '>=' | '<' | '<=', right: ScalarValue): RawBuilder<SqlBool> {
  for (const side of [left, right]) {
    if (side.kind === 'literal' && (side.type === 'null' || side.type === 'bool')) {
      throw new QuerySyntaxError(side.pos, `${op} cannot compare ${side.type === 'null' ? 'null' : 'a boolean'}; use = or !=`);
    }
  }
  const { type, leftSql, rightSql } = unify(left, right);
  // Text orders by code point, as PocketBase's SQLite does, whatever the database's collation.
  const l = type === 'text' ? sql`${leftSql} COLLATE "C"` : leftSql;
  return sql<SqlBool>`${l} ${sql.raw(op)} ${rightSql}`;
}

function asText(value: ScalarValue, role: string, op: string): Sql {
  if (value.kind === 'column') {
    if (value.type === 'date') return dateAsText(value.sql);
    if (value.type === 'number') return sql`(${value.sql})::text`;
    return value.nullable ? sql`COALESCE(${value.sql}, '')` : value.sql;
  }
  if (value.type === 'null' || value.type === 'bool') {
    throw new QuerySyntaxError(value.pos, `${op} needs text as its ${role}, not ${value.type === 'null' ? 'null' : 'a boolean'}`);
  }
  return literalSql(value, 'text');
}

/** `~` is a case-insensitive contains; `!~` its negation. */
function likeComparison(left: ScalarValue, op: '~' | '!~', right: ScalarValue): RawBuilder<SqlBool> {
  const subject = asText(left, 'left operand', op);
  let pattern: Sql;
  if (right.kind === 'literal') {
    asText(right, 'right operand', op);
    const text = convertLiteral(right, 'text') as Extract<Literal, { type: 'text' }>;
    pattern = sql`${likePattern(text.value)}::text`;
  } else {
    pattern = sql`('%' || ${asText(right, 'right operand', op)} || '%')`;
  }
  return op === '~'
    ? sql<SqlBool>`${subject} ILIKE ${pattern} ESCAPE '\\'`
    : sql<SqlBool>`${subject} NOT ILIKE ${pattern} ESCAPE '\\'`;
}
