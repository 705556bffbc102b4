/**
 * A small JSON reader for log events. Unlike JSON.parse it keeps each number's text as written,
 * because AWS compares quoted values against that text: `{ $.someFloat2 != "12" }` matches
 * `"someFloat2": 12.0` in the recorded suite. Anything that is not one well-formed JSON value
 * (after optional whitespace) yields undefined, and such an event matches no JSON pattern.
 */
export class JsonNumber {
  constructor(
    readonly raw: string,
    readonly value: number,
  ) {}
}

export type JsonValue = string | JsonNumber | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/**
 * The part of an event a pattern can look at: keys (and array indexes, as strings) leading to the
 * nodes its selectors name, `any` for a wildcard step, `whole` below a selector's last step.
 * Everything else is checked for well-formedness and skipped without being built.
 */
export interface PathTrie {
  readonly children: Map<string, PathTrie>;
  any: PathTrie | undefined;
  whole: boolean;
}

export function emptyTrie(): PathTrie {
  return { children: new Map(), any: undefined, whole: false };
}

const MAX_DEPTH = 512; // deeper events are treated as not-JSON instead of risking the stack

const NUMBER_AT = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  ws(): void {
    const s = this.src;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  value(depth: number, trie: PathTrie | undefined): JsonValue {
    if (depth > MAX_DEPTH) throw NOT_JSON;
    this.ws();
    const c = this.src.charCodeAt(this.pos);
    if (c === 123) return this.object(depth, trie);
    if (c === 91) return this.array(depth, trie);
    if (c === 34) return this.string();
    if (c === 116) return this.word('true', true);
    if (c === 102) return this.word('false', false);
    if (c === 110) return this.word('null', null);
    NUMBER_AT.lastIndex = this.pos;
    const m = NUMBER_AT.exec(this.src);
    if (m === null) throw NOT_JSON;
    this.pos += m[0].length;
    return new JsonNumber(m[0], Number(m[0]));
  }

  word<T extends boolean | null>(word: string, value: T): T {
    if (!this.src.startsWith(word, this.pos)) throw NOT_JSON;
    this.pos += word.length;
    return value;
  }

  /** Checks one value is well-formed and moves past it without building anything. */
  skip(depth: number): void {
    if (depth > MAX_DEPTH) throw NOT_JSON;
    this.ws();
    const c = this.src.charCodeAt(this.pos);
    if (c === 34) {
      this.skipString();
      return;
    }
    if (c === 123 || c === 91) {
      const close = c === 123 ? 125 : 93;
      this.pos++;
      this.ws();
      if (this.src.charCodeAt(this.pos) === close) {
        this.pos++;
        return;
      }
      for (;;) {
        if (c === 123) {
          this.ws();
          if (this.src.charCodeAt(this.pos) !== 34) throw NOT_JSON;
          this.skipString();
          this.ws();
          if (this.src.charCodeAt(this.pos) !== 58) throw NOT_JSON;
          this.pos++;
        }
        this.skip(depth + 1);
        this.ws();
        const d = this.src.charCodeAt(this.pos++);
        if (d === close) return;
        if (d !== 44) throw NOT_JSON;
      }
    }
    this.value(depth, undefined);
  }

  skipString(): void {
    const s = this.src;
    let p = this.pos + 1;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return;
      }
      if (c < 32 || Number.isNaN(c)) throw NOT_JSON;
      if (c === 92) {
        const e = s.charCodeAt(p + 1);
        if (e === 117) {
          if (!/^[0-9A-Fa-f]{4}$/.test(s.slice(p + 2, p + 6))) throw NOT_JSON;
          p += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
          p += 2;
        } else {
          throw NOT_JSON;
        }
        continue;
      }
      p++;
    }
  }

  object(depth: number, trie: PathTrie | undefined): JsonObject {
    this.pos++;
    const out: JsonObject = new Map();
    this.ws();
    if (this.src.charCodeAt(this.pos) === 125) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.src.charCodeAt(this.pos) !== 34) throw NOT_JSON;
      const key = this.string();
      this.ws();
      if (this.src.charCodeAt(this.pos) !== 58) throw NOT_JSON;
      this.pos++;
      const child = trie === undefined || trie.whole ? trie : (trie.children.get(key) ?? trie.any);
      if (trie !== undefined && child === undefined) this.skip(depth + 1);
      else out.set(key, this.value(depth + 1, child));
      this.ws();
      const c = this.src.charCodeAt(this.pos++);
      if (c === 125) return out;
      if (c !== 44) throw NOT_JSON;
    }
  }

  array(depth: number, trie: PathTrie | undefined): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.src.charCodeAt(this.pos) === 93) {
      this.pos++;
      return out;
    }
    for (;;) {
      const child = trie === undefined || trie.whole ? trie : (trie.children.get(String(out.length)) ?? trie.any);
      // A skipped element still takes its index, so later indexes stay right.
      if (trie !== undefined && child === undefined) {
        this.skip(depth + 1);
        out.push(null);
      } else {
        out.push(this.value(depth + 1, child));
      }
      this.ws();
      const c = this.src.charCodeAt(this.pos++);
      if (c === 93) return out;
      if (c !== 44) throw NOT_JSON;
    }
  }

  string(): string {
    const s = this.src;
    const start = ++this.pos;
    // Fast path: no escapes.
    let p = start;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return s.slice(start, p);
      }
      if (c === 92) break;
      if (c < 32 || Number.isNaN(c)) throw NOT_JSON;
      p++;
    }
    let out = s.slice(start, p);
    for (;;) {
      const c = s.charCodeAt(p);
      if (Number.isNaN(c) || c < 32) throw NOT_JSON;
      if (c === 34) {
        this.pos = p + 1;
        return out;
      }
      if (c !== 92) {
        out += s.charAt(p++);
        continue;
      }
      const e = s.charAt(p + 1);
      p += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = s.slice(p, p + 4);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw NOT_JSON;
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          throw NOT_JSON;
      }
    }
  }
}

const NOT_JSON = new Error('not JSON');

/**
 * Parses a whole event as JSON; undefined when it is not exactly one JSON value. With a trie,
 * only the nodes on its paths are built (the rest is validated and left out).
 */
export function parseJsonEvent(message: string, trie?: PathTrie): JsonValue | undefined {
  const r = new Reader(message);
  try {
    const v = r.value(0, trie);
    r.ws();
    return r.pos === message.length ? v : undefined;
  } catch (err) {
    if (err === NOT_JSON) return undefined;
    throw err;
  }
}

/** True when the first non-blank character is `{`: only then is an event worth parsing. */
export function looksLikeJsonObject(message: string): boolean {
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c === 123) return true;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return false;
}
