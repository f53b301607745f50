// Parses Verdict's filter language: MLflow's search_traces syntax (`tags.environment = 'production'
// AND attributes.execution_time_ms > 1000`, backticked keys) plus OR, NOT, parentheses, IN / NOT IN,
// LIKE / ILIKE / NOT LIKE, `!=` / `<>` and Verdict's own fields. The result is a syntax tree; what a
// field means is decided by filter-compiler.ts. Errors name the character position (0-based) and
// what was expected there.

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface FieldRef {
  /** The dotted path as segments, backticks removed: tags.`mlflow.traceName` → ['tags', 'mlflow.traceName']. */
  segments: string[];
  /** The field as written, for messages. */
  text: string;
  position: number;
}

export interface Literal {
  type: 'string' | 'number';
  value: string | number;
  position: number;
}

export type FilterNode =
  | { kind: 'and'; items: FilterNode[] }
  | { kind: 'or'; items: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldRef; negated: boolean; caseInsensitive: boolean; pattern: Literal };

export class FilterSyntaxError extends Error {
  readonly code = 'FILTER_SYNTAX';
  constructor(
    readonly position: number,
    readonly expected: string,
    readonly found: string,
    detail?: string,
  ) {
    super(detail ?? `filter error at position ${position}: expected ${expected}, found ${found}`);
    this.name = 'FilterSyntaxError';
  }
}

/** A filter longer than this is refused before parsing: filters are typed by people. */
export const MAX_FILTER_LENGTH = 10_000;

type TokenKind = 'ident' | 'backtick' | 'string' | 'number' | 'op' | 'dot' | 'lparen' | 'rparen' | 'comma' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** For strings and backticked identifiers: the unescaped value. */
  value: string;
  position: number;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE']);

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end of the filter';
  if (t.kind === 'string') return `the string ${t.text}`;
  return JSON.stringify(t.text);
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      // MLflow quotes values with single quotes; double quotes are accepted too. A quote inside is
      // written twice ('it''s') or escaped with a backslash ('it\'s').
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new FilterSyntaxError(start, `a closing ${c}`, 'the end of the filter', `filter error at position ${start}: the string starting here is not closed (expected a closing ${c})`);
        const ch = input[i];
        if (ch === '\\' && i + 1 < input.length) {
          value += input[i + 1];
          i += 2;
        } else if (ch === c && input[i + 1] === c) {
          value += c;
          i += 2;
        } else if (ch === c) {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: input.slice(start, i), value, position: start });
      continue;
    }
    if (c === '`') {
      const end = input.indexOf('`', i + 1);
      if (end < 0) throw new FilterSyntaxError(start, 'a closing `', 'the end of the filter', `filter error at position ${start}: the backticked key starting here is not closed (expected a closing \`)`);
      const value = input.slice(i + 1, end);
      if (value === '') throw new FilterSyntaxError(start, 'a key between the backticks', '``');
      i = end + 1;
      tokens.push({ kind: 'backtick', text: input.slice(start, i), value, position: start });
      continue;
    }
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i));
    const prev = tokens[tokens.length - 1];
    // A number directly after a dot is a key segment (attributes.http.2xx is unusual but legal).
    if (number && !(prev && prev.kind === 'dot' && prev.position + 1 === i)) {
      i += number[0].length;
      tokens.push({ kind: 'number', text: number[0], value: number[0], position: start });
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_\-]*|^[0-9][A-Za-z0-9_\-]*/.exec(input.slice(i));
    if (ident) {
      i += ident[0].length;
      tokens.push({ kind: 'ident', text: ident[0], value: ident[0], position: start });
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(input.slice(i));
    if (op) {
      i += op[0].length;
      tokens.push({ kind: 'op', text: op[0], value: op[0], position: start });
      continue;
    }
    const single: Partial<Record<string, TokenKind>> = { '.': 'dot', '(': 'lparen', ')': 'rparen', ',': 'comma' };
    const kind = single[c];
    if (kind) {
      i++;
      tokens.push({ kind, text: c, value: c, position: start });
      continue;
    }
    throw new FilterSyntaxError(start, 'a field, an operator, a value or a parenthesis', JSON.stringify(c));
  }
  tokens.push({ kind: 'end', text: '', value: '', position: input.length });
  return tokens;
}

/** Parses a filter string into a tree. An empty (or blank) filter is an error: callers treat "no filter" themselves. */
export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(MAX_FILTER_LENGTH, `a filter of at most ${MAX_FILTER_LENGTH} characters`, `${input.length} characters`);
  }
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const isKeyword = (t: Token, word: string) => t.kind === 'ident' && t.text.toUpperCase() === word;
  const fail = (expected: string): never => {
    const t = peek();
    throw new FilterSyntaxError(t.position, expected, describe(t));
  };

  function parseOr(): FilterNode {
    const items = [parseAnd()];
    while (isKeyword(peek(), 'OR')) {
      next();
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  function parseAnd(): FilterNode {
    const items = [parseUnary()];
    while (isKeyword(peek(), 'AND')) {
      next();
      items.push(parseUnary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  function parseUnary(): FilterNode {
    if (isKeyword(peek(), 'NOT')) {
      next();
      return { kind: 'not', operand: parseUnary() };
    }
    if (peek().kind === 'lparen') {
      next();
      const inner = parseOr();
      if (peek().kind !== 'rparen') fail("')' or AND / OR");
      next();
      return inner;
    }
    return parseComparison();
  }

  function parseField(): FieldRef {
    const first = peek();
    const segments: string[] = [];
    const segment = () => {
      const t = peek();
      if (t.kind === 'backtick' || (t.kind === 'ident' && !(segments.length === 0 && KEYWORDS.has(t.text.toUpperCase())))) {
        next();
        segments.push(t.value);
        return;
      }
      fail(segments.length === 0 ? "a field (e.g. version, tags.environment, attributes.status, span.attributes.`gen_ai.request.model`)" : 'a key after the dot');
    };
    segment();
    while (peek().kind === 'dot') {
      next();
      segment();
    }
    const last = tokens[pos - 1];
    return { segments, text: tokensText(first, last), position: first.position };
  }

  function tokensText(first: Token, last: Token): string {
    return input.slice(first.position, last.position + last.text.length);
  }

  function parseLiteral(): Literal {
    const t = peek();
    if (t.kind === 'string') {
      next();
      return { type: 'string', value: t.value, position: t.position };
    }
    if (t.kind === 'number') {
      next();
      return { type: 'number', value: Number(t.text), position: t.position };
    }
    return fail("a value (a 'quoted string' or a number)");
  }

  function parseComparison(): FilterNode {
    const field = parseField();
    let negated = false;
    if (isKeyword(peek(), 'NOT')) {
      next();
      negated = true;
      if (!(isKeyword(peek(), 'IN') || isKeyword(peek(), 'LIKE') || isKeyword(peek(), 'ILIKE'))) fail('IN, LIKE or ILIKE after NOT');
    }
    const t = peek();
    if (isKeyword(t, 'IN')) {
      next();
      if (peek().kind !== 'lparen') fail("'(' to start the IN list");
      next();
      const values = [parseLiteral()];
      while (peek().kind === 'comma') {
        next();
        values.push(parseLiteral());
      }
      if (peek().kind !== 'rparen') fail("',' or ')' to end the IN list");
      next();
      return { kind: 'in', field, negated, values };
    }
    if (isKeyword(t, 'LIKE') || isKeyword(t, 'ILIKE')) {
      next();
      const pattern = parseLiteral();
      if (pattern.type !== 'string') {
        throw new FilterSyntaxError(pattern.position, `a 'quoted pattern' after ${t.text.toUpperCase()}`, String(pattern.value));
      }
      return { kind: 'like', field, negated, caseInsensitive: t.text.toUpperCase() === 'ILIKE', pattern };
    }
    if (t.kind === 'op') {
      next();
      const op: CompareOp = t.text === '==' ? '=' : t.text === '<>' ? '!=' : (t.text as CompareOp);
      return { kind: 'compare', field, op, value: parseLiteral() };
    }
    return fail('an operator (=, !=, <, <=, >, >=, IN, NOT IN, LIKE, ILIKE)');
  }

  const tree = parseOr();
  if (peek().kind !== 'end') fail('AND, OR or the end of the filter');
  return tree;
}
