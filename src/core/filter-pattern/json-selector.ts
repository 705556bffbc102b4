import { invalidTerm, malformed } from './errors.js';
import { JsonNumber, type JsonValue } from './json-value.js';

/** One step of a property selector: `.name`, `['name']`, `[3]`, `.*` or `[*]`. */
export type Segment =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'any' };

export interface Selector {
  readonly text: string;
  readonly segments: readonly Segment[];
  readonly wildcards: number;
}

// Docs: "Property selectors are alphanumeric strings that also support '-' and '_' characters".
const NAME_CHAR = /[A-Za-z0-9_\-@]/;

/**
 * Reads a selector starting at `start` (which holds `$`). A character that cannot continue it is
 * reported the way AWS reports `{ $."sc-status" = 5* }`: `Invalid character(s) in term '$."'`.
 */
export function readSelector(src: string, start: number): { selector: Selector; end: number } {
  let p = start + 1;
  const segments: Segment[] = [];
  const bad = (): Error => invalidTerm(src.slice(start, p + 1));
  for (;;) {
    const c = src.charAt(p);
    if (c === '.') {
      p++;
      const d = src.charAt(p);
      if (d === '*') {
        segments.push({ kind: 'any' });
        p++;
      } else if (d === '[') {
        continue; // `$.['cluster.name']`
      } else {
        const from = p;
        while (p < src.length && NAME_CHAR.test(src.charAt(p))) p++;
        if (p === from) throw bad();
        segments.push({ kind: 'key', name: src.slice(from, p) });
      }
    } else if (c === '[') {
      p++;
      const d = src.charAt(p);
      if (d === '*') {
        p++;
        segments.push({ kind: 'any' });
      } else if (d >= '0' && d <= '9') {
        const from = p;
        while (p < src.length && src.charAt(p) >= '0' && src.charAt(p) <= '9') p++;
        const index = Number(src.slice(from, p));
        if (!Number.isSafeInteger(index)) throw malformed('array index too large');
        segments.push({ kind: 'index', index });
      } else if (d === "'" || d === '"') {
        const close = src.indexOf(d, p + 1);
        if (close < 0) throw bad();
        segments.push({ kind: 'key', name: src.slice(p + 1, close) });
        p = close + 1;
      } else {
        throw bad();
      }
      if (src.charAt(p) !== ']') throw bad();
      p++;
    } else {
      break;
    }
  }
  if (segments.length === 0) throw bad();
  const wildcards = segments.filter((s) => s.kind === 'any').length;
  // Docs quota: "You can only use up to one wildcard selector in a property selector."
  if (wildcards > 1) throw malformed('more than one wildcard in a selector');
  return { selector: { text: src.slice(start, p), segments, wildcards }, end: p };
}

/** Parses a whole string as a selector (for metric values such as `$.latency`), or undefined. */
export function parseSelector(text: string): Selector | undefined {
  if (!text.startsWith('$')) return undefined;
  try {
    const { selector, end } = readSelector(text, 0);
    return end === text.length ? selector : undefined;
  } catch {
    return undefined;
  }
}

/** The node a wildcard-free selector points at, or undefined when there is none. */
export function selectOne(root: JsonValue, segments: readonly Segment[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const seg of segments) {
    if (node === null || typeof node !== 'object' || node instanceof JsonNumber) return undefined;
    if (seg.kind === 'key') {
      if (Array.isArray(node)) return undefined;
      node = node.get(seg.name);
    } else if (seg.kind === 'index') {
      if (!Array.isArray(node)) return undefined;
      node = node[seg.index];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Every node a selector points at (a wildcard fans out over array elements or object fields). */
export function selectAll(root: JsonValue, segments: readonly Segment[]): JsonValue[] {
  let nodes: JsonValue[] = [root];
  for (const seg of segments) {
    const next: JsonValue[] = [];
    for (const node of nodes) {
      if (node === null || typeof node !== 'object' || node instanceof JsonNumber) continue;
      if (seg.kind === 'any') {
        if (Array.isArray(node)) next.push(...node);
        else next.push(...node.values());
      } else if (seg.kind === 'key') {
        if (Array.isArray(node)) continue;
        const v = node.get(seg.name);
        if (v !== undefined) next.push(v);
      } else {
        if (!Array.isArray(node)) continue;
        const v = node[seg.index];
        if (v !== undefined) next.push(v);
      }
    }
    nodes = next;
    if (nodes.length === 0) break;
  }
  return nodes;
}

/** The text AWS reports for a value node: strings as they are, numbers as written; else undefined. */
export function scalarText(node: JsonValue | undefined): string | undefined {
  if (typeof node === 'string') return node;
  if (node instanceof JsonNumber) return node.raw;
  return undefined;
}
