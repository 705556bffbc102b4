/** Expands file globs (picomatch syntax) by walking only the directories a pattern can reach. */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';

export interface FileMatcher {
  /** Regular files matching the patterns and no exclude pattern. */
  expand(): string[];
}

const MAX_DEPTH = 16;

export function fileMatcher(patterns: readonly string[], exclude: readonly string[]): FileMatcher {
  const excluded = exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
  const compiled = patterns.map((pattern) => {
    const scan = picomatch.scan(pattern);
    if (!scan.isGlob) return { literal: pattern } as const;
    const depth = scan.glob.includes('**') ? MAX_DEPTH : scan.glob.split('/').length;
    return { base: scan.base || '.', depth, isMatch: picomatch(pattern, { dot: true }) } as const;
  });
  return {
    expand() {
      const found = new Set<string>();
      for (const p of compiled) {
        if ('literal' in p) {
          if (!excluded(p.literal) && isFile(p.literal)) found.add(p.literal);
          continue;
        }
        walk(p.base, p.depth, (path) => {
          if (p.isMatch(path) && !excluded(path)) found.add(path);
        });
      }
      return [...found];
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function walk(dir: string, depth: number, visit: (path: string) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && isFile(path))) visit(path);
    else if (entry.isDirectory() && depth > 1) walk(path, depth - 1, visit);
  }
}
