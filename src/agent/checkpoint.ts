/**
 * Positions survive restarts in one JSON file, written atomically (temporary file + rename). A
 * position is saved only once every line before it was shipped or spooled, so a restart neither
 * loses nor repeats lines.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FilePosition {
  readonly path: string;
  readonly offset: number;
  /** The file's first bytes (base64, up to 64): tells a reused inode from the file we read. */
  readonly head: string;
}

export interface ContainerPosition {
  /** The Docker timestamp (RFC 3339, nanoseconds) of the last line shipped. */
  readonly since: string;
}

export interface CheckpointData {
  readonly files: Record<string, FilePosition>;
  readonly containers: Record<string, ContainerPosition>;
}

export class CheckpointFile {
  private lastText = '';

  constructor(readonly path: string) {}

  load(): CheckpointData {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return { files: {}, containers: {} };
    }
    try {
      const value = JSON.parse(text) as Partial<CheckpointData>;
      this.lastText = text;
      return { files: value.files ?? {}, containers: value.containers ?? {} };
    } catch {
      return { files: {}, containers: {} };
    }
  }

  save(data: CheckpointData): void {
    const text = JSON.stringify({ version: 1, ...data });
    if (text === this.lastText) return;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
    this.lastText = text;
  }
}
