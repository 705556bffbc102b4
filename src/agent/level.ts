/**
 * How `logharbor run` (and the Docker source) records the level of a line: stdout is INFO, stderr
 * is ERROR. 'prefix' writes `INFO <line>`, 'json' adds a field to a JSON line (or wraps a plain
 * line as {"level":..,"message":..}), 'none' ships the line as it is.
 */
export type LevelFormat = 'prefix' | 'json' | 'none';

export const LEVEL_FORMATS: readonly LevelFormat[] = ['prefix', 'json', 'none'];

export function withLevel(line: string, level: 'INFO' | 'ERROR', format: LevelFormat, key = 'level'): string {
  if (format === 'none' || line.length === 0) return line;
  if (format === 'prefix') return `${level} ${line}`;
  if (line.charCodeAt(0) === 123 /* { */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      if (Object.hasOwn(parsed, key)) return line; // the program's own level wins
      const field = `${JSON.stringify(key)}:${JSON.stringify(level)}`;
      return Object.keys(parsed).length === 0 ? `{${field}}` : `{${field},${line.slice(1).trimStart()}`;
    }
  }
  return JSON.stringify({ [key]: level, message: line });
}
