/**
 * Pagination tokens. They carry only a position, so they replay: the same token gives the same page.
 * GetLogEvents tokens look like AWS's (`f/` or `b/` and 56 digits); the others are opaque base64url.
 */
import { InvalidParameterException } from './errors.js';
import type { EventPosition } from './types.js';

const TIMESTAMP_DIGITS = 20;
const ID_DIGITS = 20;
const CHECK_DIGITS = 16;

function checksum(digits: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < digits.length; i++) h = Math.imul(h ^ digits.charCodeAt(i), 0x01000193) >>> 0;
  return String(h).padStart(CHECK_DIGITS, '0');
}

export function encodeStreamToken(direction: 'f' | 'b', position: EventPosition): string {
  const digits = String(position.timestamp).padStart(TIMESTAMP_DIGITS, '0') + String(position.id).padStart(ID_DIGITS, '0');
  return `${direction}/${digits}${checksum(digits)}`;
}

export function decodeStreamToken(token: string): { direction: 'f' | 'b'; position: EventPosition } {
  const match = /^([fb])\/(\d{20})(\d{20})(\d{16})$/.exec(token);
  if (!match || checksum(match[2]! + match[3]!) !== match[4]) {
    throw new InvalidParameterException('The specified nextToken is invalid.');
  }
  return { direction: match[1] as 'f' | 'b', position: { timestamp: Number(match[2]), id: Number(match[3]) } };
}

/** An opaque token over a small JSON value, bound to the operation that issued it. */
export function encodeToken(kind: string, value: unknown): string {
  return Buffer.from(JSON.stringify([kind, value]), 'utf8').toString('base64url');
}

export function decodeToken<T>(kind: string, token: string, check: (value: unknown) => value is T): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed[0] === kind && check(parsed[1])) return parsed[1];
  throw new InvalidParameterException('The specified nextToken is invalid.');
}

export function isPosition(value: unknown): value is EventPosition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Number.isSafeInteger(v['timestamp']) && Number.isSafeInteger(v['id']);
}
