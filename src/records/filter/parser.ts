import { QuerySyntaxError } from './errors.js';
import { tokenize, type SignOp, type Token } from './lexer.js';

export type Operand =
  | { kind: 'identifier'; name: string; pos: number }
  | { kind: 'text'; value: string; pos: number }
  | { kind: 'number'; value: number; raw: string; pos: number };

export type FilterNode =
  | { kind: 'comparison'; left: Operand; op: SignOp; right: Operand; pos: number }
  | { kind: 'and' | 'or'; items: FilterNode[] };

export interface FilterLimits {
  /** Longest filter accepted, in characters. */
  maxLength: number;
  /** Most comparisons in one filter. */
  maxComparisons: number;
  /** Deepest parenthesis nesting. */
  maxDepth: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxLength: 4096, maxComparisons: 200, maxDepth: 32 };

/**
 * Parses a filter into a tree. `&&` binds tighter than `||`, as PocketBase's
 * SQL output implies; an empty `()` is dropped, as PocketBase drops it. The
 * limits are checked while parsing, so a hostile filter costs at most
 * `maxLength` steps and never recurses deeper than `maxDepth`.
 */
export function parseFilter(input: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): FilterNode {
  if (input.length > limits.maxLength) {
    throw new QuerySyntaxError(limits.maxLength, `the filter is longer than ${limits.maxLength} characters`);
  }
  const nul = input.indexOf('\u0000');
  if (nul >= 0) throw new QuerySyntaxError(nul, 'the filter contains a NUL character');
  const parser = new Parser(tokenize(input), limits);
  const tree = parser.parseOr(0);
  parser.expectEnd();
  if (!tree) throw new QuerySyntaxError(0, 'the filter is empty');
  return tree;
}

class Parser {
  private index = 0;
  private comparisons = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: FilterLimits,
  ) {}

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  expectEnd() {
    const token = this.peek();
    if (token.type === 'rparen') throw new QuerySyntaxError(token.pos, 'unbalanced ")"');
    if (token.type !== 'eof') throw new QuerySyntaxError(token.pos, `expected && or ||, got ${describe(token)}`);
  }

  parseOr(depth: number): FilterNode | null {
    return this.parseJoined('||', 'or', () => this.parseAnd(depth));
  }

  private parseAnd(depth: number): FilterNode | null {
    return this.parseJoined('&&', 'and', () => this.parsePrimary(depth));
  }

  private parseJoined(
    join: '&&' | '||',
    kind: 'and' | 'or',
    parseItem: () => FilterNode | null,
  ): FilterNode | null {
    const items: FilterNode[] = [];
    const first = parseItem();
    if (first) items.push(first);
    for (;;) {
      const token = this.peek();
      if (token.type !== 'join' || token.value !== join) break;
      this.next();
      const item = parseItem();
      if (item) items.push(item);
    }
    if (items.length === 0) return null;
    return items.length === 1 ? items[0] : { kind, items };
  }

  private parsePrimary(depth: number): FilterNode | null {
    const token = this.peek();
    if (token.type === 'lparen') {
      if (depth >= this.limits.maxDepth) {
        throw new QuerySyntaxError(token.pos, `parentheses are nested deeper than ${this.limits.maxDepth} levels`);
      }
      this.next();
      if (this.peek().type === 'rparen') {
        this.next();
        return null;
      }
      const inner = this.parseOr(depth + 1);
      const close = this.next();
      if (close.type !== 'rparen') {
        throw new QuerySyntaxError(
          close.pos,
          close.type === 'eof' ? 'missing ")"' : `expected && or || or ")", got ${describe(close)}`,
        );
      }
      return inner;
    }
    // An empty group `()` parses to null; anything else must be a comparison.
    return this.parseComparison();
  }

  private parseComparison(): FilterNode {
    const left = this.parseOperand('left operand');
    const sign = this.next();
    if (sign.type !== 'sign') throw new QuerySyntaxError(sign.pos, `expected an operator such as = or ~, got ${describe(sign)}`);
    const right = this.parseOperand('right operand');
    if (++this.comparisons > this.limits.maxComparisons) {
      throw new QuerySyntaxError(left.pos, `the filter has more than ${this.limits.maxComparisons} comparisons`);
    }
    return { kind: 'comparison', left, op: sign.value, right, pos: left.pos };
  }

  private parseOperand(what: string): Operand {
    const token = this.next();
    switch (token.type) {
      case 'ident':
        return { kind: 'identifier', name: token.value, pos: token.pos };
      case 'text':
        return { kind: 'text', value: token.value, pos: token.pos };
      case 'number':
        return { kind: 'number', value: token.value, raw: token.raw, pos: token.pos };
      default:
        throw new QuerySyntaxError(token.pos, `expected a ${what} (field, quoted text or number), got ${describe(token)}`);
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the filter';
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'number':
      return `number ${token.raw}`;
    case 'text':
      return 'quoted text';
    default:
      return `"${token.value}"`;
  }
}
