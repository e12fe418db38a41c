import { QuerySyntaxError } from './errors.js';

/**
 * Tokens of the PocketBase filter language. The rules follow PocketBase's own
 * scanner (github.com/ganigeorgiev/fexpr): identifiers may hold `.`, `:` and
 * `_`; numbers are digits with an optional leading `-` and one `.`; a quoted
 * text ends at the first matching quote not preceded by a backslash, and only
 * that backslash is removed.
 */
export type Token =
  | { type: 'lparen' | 'rparen' | 'eof'; pos: number }
  | { type: 'ident'; value: string; pos: number }
  | { type: 'number'; value: number; raw: string; pos: number }
  | { type: 'text'; value: string; pos: number }
  | { type: 'sign'; value: SignOp; pos: number }
  | { type: 'join'; value: '&&' | '||'; pos: number };

export const SIGN_OPS = ['=', '!=', '>', '>=', '<', '<=', '~', '!~', '?=', '?!=', '?>', '?>=', '?<', '?<=', '?~', '?!~'] as const;
export type SignOp = (typeof SIGN_OPS)[number];

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string) => c >= '0' && c <= '9';
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isIdentStart = (c: string) => isLetter(c) || c === '@' || c === '_' || c === '#';
const isIdentPart = (c: string) => isLetter(c) || isDigit(c) || c === '.' || c === ':' || c === '_';
const isSignChar = (c: string) => '=?!><~'.includes(c);
const isJoinChar = (c: string) => c === '&' || c === '|';

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    const start = i;
    if (isWhitespace(c)) {
      i++;
    } else if (c === '(') {
      tokens.push({ type: 'lparen', pos: i++ });
    } else if (c === ')') {
      tokens.push({ type: 'rparen', pos: i++ });
    } else if (c === '/') {
      if (input[i + 1] !== '/') throw new QuerySyntaxError(i, 'a comment starts with //');
      while (i < input.length && input[i] !== '\n') i++;
    } else if (isIdentStart(c)) {
      i++;
      while (i < input.length && isIdentPart(input[i])) i++;
      const value = input.slice(start, i);
      if (input[i] === '(') throw new QuerySyntaxError(start, `functions such as ${value}() are not supported`);
      const last = value[value.length - 1];
      if (last === '.' || last === ':' || (value.length === 1 && !isLetter(value))) {
        throw new QuerySyntaxError(start, `invalid identifier "${value}"`);
      }
      tokens.push({ type: 'ident', value, pos: start });
    } else if (c === '-' || isDigit(c)) {
      i++;
      let hadDot = false;
      while (i < input.length && (isDigit(input[i]) || (input[i] === '.' && !hadDot))) {
        if (input[i] === '.') hadDot = true;
        i++;
      }
      const raw = input.slice(start, i);
      const value = Number(raw);
      if (raw === '-' || raw.endsWith('.') || !Number.isFinite(value)) {
        throw new QuerySyntaxError(start, `invalid number "${raw}"`);
      }
      tokens.push({ type: 'number', value, raw, pos: start });
    } else if (c === '"' || c === "'") {
      i++;
      let closed = false;
      while (i < input.length) {
        if (input[i] === c && input[i - 1] !== '\\') {
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) throw new QuerySyntaxError(start, 'unterminated quoted text');
      tokens.push({ type: 'text', value: input.slice(start + 1, i).split(`\\${c}`).join(c), pos: start });
      i++;
    } else if (isSignChar(c)) {
      while (i < input.length && isSignChar(input[i])) i++;
      const value = input.slice(start, i);
      if (!(SIGN_OPS as readonly string[]).includes(value)) throw new QuerySyntaxError(start, `unknown operator "${value}"`);
      tokens.push({ type: 'sign', value: value as SignOp, pos: start });
    } else if (isJoinChar(c)) {
      while (i < input.length && isJoinChar(input[i])) i++;
      const value = input.slice(start, i);
      if (value !== '&&' && value !== '||') throw new QuerySyntaxError(start, `unknown operator "${value}" (use && or ||)`);
      tokens.push({ type: 'join', value, pos: start });
    } else {
      throw new QuerySyntaxError(start, `unexpected character "${c}"`);
    }
  }
  tokens.push({ type: 'eof', pos: input.length });
  return tokens;
}
