/**
 * Input validation driven by the service model, with the messages AWS's front end gives:
 * `1 validation error detected: Value 'x' at 'logGroupName' failed to satisfy constraint: Member must ...`,
 * several joined by "; ". Type mismatches are SerializationException, as on AWS's JSON protocol.
 */
import { InvalidParameterException, SerializationException } from '../core/errors.js';
import { serviceModel, type Shape } from '../protocol/model.js';

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `'[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]'`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
    return `'{${entries.join(', ')}}'`;
  }
  return `'${String(value)}'`;
}

const patternCache = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'su');
    } catch {
      re = new RegExp(`^(?:${pattern})$`, 's');
    }
    patternCache.set(pattern, re);
  }
  return re.test(value);
}

function checkScalar(shape: Shape, value: unknown, path: string): void {
  const ok =
    shape.type === 'string' ? typeof value === 'string'
    : shape.type === 'boolean' ? typeof value === 'boolean'
    : shape.type === 'integer' || shape.type === 'long' ? typeof value === 'number' && Number.isInteger(value)
    : shape.type === 'double' || shape.type === 'float' || shape.type === 'timestamp' ? typeof value === 'number'
    : shape.type === 'blob' ? typeof value === 'string'
    : true;
  if (!ok) {
    throw new SerializationException(`Unexpected value type for '${path}': expected ${shape.type}, got ${Array.isArray(value) ? 'list' : typeof value}`);
  }
}

/** Code points in text, without allocating (`[...text].length` allocates an array per string). */
function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** A string's length in code points lies between text.length / 2 and text.length: count only when a bound is in doubt. */
function violatesLength(text: string, min: number | undefined, max: number | undefined): { tooShort: boolean; tooLong: boolean } {
  const doubtMin = min !== undefined && text.length < min * 2;
  const doubtMax = max !== undefined && text.length > max;
  if (!doubtMin && !doubtMax) return { tooShort: false, tooLong: false };
  const length = codePointLength(text);
  return { tooShort: min !== undefined && length < min, tooLong: max !== undefined && length > max };
}

const memberEntries = new WeakMap<Shape, Array<[string, { shape: string }]>>();

type QuickCheck = (value: unknown) => boolean;
const quickChecks = new Map<string, QuickCheck | undefined>();

/**
 * For list members that are flat structures of plain scalars (PutLogEvents' 10,000 InputLogEvents):
 * a check that returns true only for an item the full validation would accept without a message,
 * so valid items skip building paths and walking the model; any other item takes the full path,
 * which produces the exact errors.
 */
function quickCheck(shapeName: string): QuickCheck | undefined {
  if (quickChecks.has(shapeName)) return quickChecks.get(shapeName);
  const shape = serviceModel().shapes[shapeName];
  let check: QuickCheck | undefined;
  if (shape?.type === 'structure') {
    const members: Array<{ name: string; required: boolean; test: (v: unknown) => boolean }> = [];
    let simple = true;
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const m = serviceModel().shapes[ref.shape];
      const required = shape.required?.includes(name) ?? false;
      if (m?.type === 'string' && m.enum === undefined && m.pattern === undefined) {
        const { min, max } = m;
        members.push({ name, required, test: (v) => {
            if (typeof v !== 'string') return false;
            const { tooShort, tooLong } = violatesLength(v, min, max);
            return !tooShort && !tooLong;
          },
        });
      } else if (m?.type === 'long' || m?.type === 'integer') {
        const { min, max } = m;
        members.push({ name, required, test: (v) => typeof v === 'number' && Number.isInteger(v) && (min === undefined || v >= min) && (max === undefined || v <= max) });
      } else {
        simple = false;
      }
    }
    if (simple) {
      check = (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const record = value as Record<string, unknown>;
        for (const { name, required, test } of members) {
          const v = record[name];
          if (v === undefined || v === null) {
            if (required) return false;
          } else if (!test(v)) return false;
        }
        return true;
      };
    }
  }
  quickChecks.set(shapeName, check);
  return check;
}

function validateValue(shapeName: string, value: unknown, path: string, errors: string[]): void {
  const shape = serviceModel().shapes[shapeName];
  if (!shape) return;
  const fail = (constraint: string) => errors.push(`Value ${describeValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SerializationException(`Unexpected value type for '${path}': expected structure`);
      }
      validateStructure(shape, value as Record<string, unknown>, path ? `${path}.` : '', errors);
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) throw new SerializationException(`Unexpected value type for '${path}': expected list`);
      if (shape.member) {
        const memberShape = shape.member.shape;
        const valid = quickCheck(memberShape);
        value.forEach((item, i) => {
          if (item === null || valid?.(item)) return;
          validateValue(memberShape, item, `${path}.${i + 1}.member`, errors);
        });
      }
      if (shape.min !== undefined && value.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SerializationException(`Unexpected value type for '${path}': expected map`);
      }
      const entries = Object.entries(value as Record<string, unknown>);
      for (const [key, item] of entries) {
        if (shape.key) validateValue(shape.key.shape, key, `${path}.key`, errors);
        if (shape.value && item !== null) validateValue(shape.value.shape, item, `${path}.${key}.value`, errors);
      }
      if (shape.min !== undefined && entries.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      return;
    }
    case 'string': {
      checkScalar(shape, value, path);
      const text = value as string;
      if (shape.enum && !shape.enum.includes(text)) fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.pattern !== undefined && !fullMatch(shape.pattern, text)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      const { tooShort, tooLong } = violatesLength(text, shape.min, shape.max);
      if (tooShort) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (tooLong) fail(`Member must have length less than or equal to ${shape.max}`);
      return;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      checkScalar(shape, value, path);
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    default:
      checkScalar(shape, value, path);
  }
}

function validateStructure(shape: Shape, value: Record<string, unknown>, prefix: string, errors: string[]): void {
  let entries = memberEntries.get(shape);
  if (!entries) {
    entries = Object.entries(shape.members ?? {});
    memberEntries.set(shape, entries);
  }
  for (const [name, ref] of entries) {
    const member = value[name];
    if (member === undefined || member === null) {
      if (shape.required?.includes(name)) errors.push(`Value null at '${prefix}${name}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    validateValue(ref.shape, member, `${prefix}${name}`, errors);
  }
}

/** Validates an operation's input against the model; throws InvalidParameterException listing every violation. */
export function validateInput(operation: string, input: Record<string, unknown>): void {
  const op = serviceModel().operations[operation];
  const shapeName = op?.input?.shape;
  if (!shapeName) return;
  const shape = serviceModel().shapes[shapeName];
  if (!shape) return;
  const errors: string[] = [];
  validateStructure(shape, input, '', errors);
  if (errors.length > 0) {
    const head = errors.length === 1 ? '1 validation error detected: ' : `${errors.length} validation errors detected: `;
    throw new InvalidParameterException(head + errors.join('; '));
  }
}
