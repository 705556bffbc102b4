import { compileComparison, type Literal, type Operator } from './comparison.js';
import { invalidTerm, malformed } from './errors.js';
import { readSelector, selectAll, selectOne, type Selector } from './json-selector.js';
import { emptyTrie, JsonNumber, type JsonValue, looksLikeJsonObject, parseJsonEvent, type PathTrie } from './json-value.js';
import { readQuoted } from './quoted.js';
import { MAX_REGEXES_PER_STRUCTURED_PATTERN, readRegexLiteral } from './regex.js';
import { InvalidParameterException } from '../errors.js';

/**
 * `{ SELECTOR OP VALUE }` patterns with `&&`, `||` (`&&` binds tighter) and parentheses;
 * `IS TRUE|FALSE|NULL` and `NOT EXISTS`. Conditions only hold on value nodes (strings and
 * numbers): a missing field, an object, an array, a boolean or null satisfies neither `=` nor
 * `!=` (docs: "both {$.users = 1} and {$.users != 1} will fail to match" an array).
 */
export type JsonPredicate = (root: JsonValue) => boolean;

const MAX_WILDCARD_SELECTORS = 3; // docs: "up to three wildcard selectors in a filter pattern"
const BARE_VALUE_CHAR = /[A-Za-z0-9_.*+\-:/]/;

type Condition =
  | { kind: 'compare'; selector: Selector; op: Operator; literal: Literal }
  | { kind: 'is'; selector: Selector; value: true | false | null }
  | { kind: 'not-exists'; selector: Selector };

type Node = { kind: 'and' | 'or'; parts: Node[] } | { kind: 'condition'; condition: Condition };

class Parser {
  pos = 0;
  regexes = 0;
  wildcardSelectors = 0;
  readonly selectors: Selector[] = [];
  constructor(readonly src: string) {}

  ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src.charAt(this.pos))) this.pos++;
  }

  at(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  parse(): Node {
    const node = this.or();
    this.ws();
    if (this.pos < this.src.length) throw invalidTerm(this.src.charAt(this.pos));
    return node;
  }

  or(): Node {
    const parts = [this.and()];
    for (;;) {
      this.ws();
      if (!this.at('||')) break;
      this.pos += 2;
      parts.push(this.and());
    }
    return parts.length === 1 && parts[0] !== undefined ? parts[0] : { kind: 'or', parts };
  }

  and(): Node {
    const parts = [this.primary()];
    for (;;) {
      this.ws();
      if (!this.at('&&')) break;
      this.pos += 2;
      parts.push(this.primary());
    }
    return parts.length === 1 && parts[0] !== undefined ? parts[0] : { kind: 'and', parts };
  }

  primary(): Node {
    this.ws();
    if (this.at('(')) {
      this.pos++;
      const inner = this.or();
      this.ws();
      if (!this.at(')')) throw malformed('missing )');
      this.pos++;
      return inner;
    }
    return { kind: 'condition', condition: this.condition() };
  }

  keyword(word: string): boolean {
    const s = this.src.slice(this.pos, this.pos + word.length);
    const after = this.src.charAt(this.pos + word.length);
    if (s.toUpperCase() === word && (after === '' || /[\s)&|]/.test(after))) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  condition(): Condition {
    this.ws();
    if (this.pos >= this.src.length) throw malformed('missing condition');
    if (!this.at('$')) throw malformed('condition does not start with a selector');
    const { selector, end } = readSelector(this.src, this.pos);
    this.pos = end;
    this.selectors.push(selector);
    if (selector.wildcards > 0 && ++this.wildcardSelectors > MAX_WILDCARD_SELECTORS) {
      throw malformed('too many wildcard selectors');
    }
    this.ws();
    if (this.keyword('IS')) {
      this.ws();
      if (this.keyword('TRUE')) return { kind: 'is', selector, value: true };
      if (this.keyword('FALSE')) return { kind: 'is', selector, value: false };
      if (this.keyword('NULL')) return { kind: 'is', selector, value: null };
      throw malformed('IS must be followed by TRUE, FALSE or NULL'); // docs: IS NOT is not supported
    }
    if (this.keyword('NOT')) {
      this.ws();
      if (this.keyword('EXISTS')) return { kind: 'not-exists', selector };
      throw malformed('NOT must be followed by EXISTS');
    }
    const op = this.operator();
    this.ws();
    return { kind: 'compare', selector, op, literal: this.literal() };
  }

  operator(): Operator {
    for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) {
      if (this.at(op)) {
        this.pos += op.length;
        return op;
      }
    }
    if (this.pos >= this.src.length) throw malformed('missing operator');
    throw invalidTerm(this.src.charAt(this.pos));
  }

  literal(): Literal {
    const start = this.pos;
    const c = this.src.charAt(start);
    if (c === '"') {
      const { value, end } = readQuoted(this.src, start);
      this.pos = end;
      return { kind: 'text', raw: this.src.slice(start, end), value, quoted: true };
    }
    if (c === '%') {
      const { body, end } = readRegexLiteral(this.src, start);
      this.pos = end;
      if (++this.regexes > MAX_REGEXES_PER_STRUCTURED_PATTERN) throw malformed('too many regexes');
      return { kind: 'regex', raw: this.src.slice(start, end), body };
    }
    let p = start;
    while (p < this.src.length) {
      const d = this.src.charAt(p);
      if (/\s/.test(d) || d === ')' || this.src.startsWith('&&', p) || this.src.startsWith('||', p)) break;
      p++;
    }
    if (p === start) throw malformed('missing value');
    const value = this.src.slice(start, p);
    for (const d of value) if (!BARE_VALUE_CHAR.test(d)) throw invalidTerm(d);
    this.pos = p;
    return { kind: 'text', raw: value, value, quoted: false };
  }
}

function compileCondition(c: Condition): JsonPredicate {
  const segs = c.selector.segments;
  const wild = c.selector.wildcards > 0;
  if (c.kind === 'not-exists') {
    return wild ? (root) => selectAll(root, segs).length === 0 : (root) => selectOne(root, segs) === undefined;
  }
  if (c.kind === 'is') {
    const want = c.value;
    return wild ? (root) => selectAll(root, segs).some((n) => n === want) : (root) => selectOne(root, segs) === want;
  }
  const cmp = compileComparison(c.op, c.literal);
  const test = (node: JsonValue | undefined): boolean => {
    if (typeof node === 'string') return cmp.test(node, undefined);
    if (node instanceof JsonNumber) return cmp.test(node.raw, node.value);
    return false;
  };
  return wild ? (root) => selectAll(root, segs).some(test) : (root) => test(selectOne(root, segs));
}

function compileNode(node: Node): JsonPredicate {
  if (node.kind === 'condition') return compileCondition(node.condition);
  const parts = node.parts.map(compileNode);
  if (node.kind === 'and') {
    if (parts.length === 2) {
      const [a, b] = parts as [JsonPredicate, JsonPredicate];
      return (root) => a(root) && b(root);
    }
    return (root) => parts.every((p) => p(root));
  }
  if (parts.length === 2) {
    const [a, b] = parts as [JsonPredicate, JsonPredicate];
    return (root) => a(root) || b(root);
  }
  return (root) => parts.some((p) => p(root));
}

/** The paths a pattern's selectors can reach; parsing builds only those. */
function trieOf(selectors: readonly Selector[]): PathTrie {
  const root = emptyTrie();
  for (const sel of selectors) {
    let node = root;
    for (const seg of sel.segments) {
      if (seg.kind === 'any') {
        node.any ??= emptyTrie();
        node = node.any;
      } else {
        const key = seg.kind === 'key' ? seg.name : String(seg.index);
        let next = node.children.get(key);
        if (next === undefined) {
          next = emptyTrie();
          node.children.set(key, next);
        }
        node = next;
      }
    }
    node.whole = true;
  }
  return root;
}

export interface CompiledJsonPattern {
  /**
   * The parsed event when it matches, else undefined. Unless `complete`, the returned tree holds
   * only what the pattern's selectors reach.
   */
  matchRoot(message: string, complete?: boolean): JsonValue | undefined;
}

/** `pattern` starts with `{`. */
export function compileJsonPattern(pattern: string): CompiledJsonPattern {
  const body = pattern.trimEnd();
  if (!body.endsWith('}')) {
    // Recorded in jorgebastida/awslogs#210.
    throw new InvalidParameterException("If a filter pattern starts with '{' it must end with '}'");
  }
  const parser = new Parser(body.slice(1, -1));
  const predicate = compileNode(parser.parse());
  const trie = trieOf(parser.selectors);
  return {
    matchRoot(message, complete = false) {
      if (!looksLikeJsonObject(message)) return undefined;
      const root = parseJsonEvent(message, complete ? undefined : trie);
      return root !== undefined && predicate(root) ? root : undefined;
    },
  };
}
