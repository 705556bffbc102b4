/**
 * The arrows of STYLE.md, checked: which top-level folders of src/ each folder may import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** folder -> folders it may import besides itself */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  protocol: [],
  storage: ['core'],
  api: ['core', 'protocol'],
  tail: ['core'],
  pipelines: ['core'],
  alerts: ['core'],
  // agent and cli speak the wire protocol through the AWS SDK: never the core or a store
  agent: ['config', 'protocol'],
  cli: ['config', 'protocol'],
  web: ['protocol'],
  config: [],
  app: ['core', 'protocol', 'storage', 'api', 'tail', 'pipelines', 'alerts', 'agent', 'cli', 'web', 'config'],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function topFolder(path: string): string {
  return relative(SRC, path).split(sep)[0]!;
}

describe('architecture', () => {
  const files = filesUnder(SRC);
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(Object.keys(ALLOWED))('src/%s imports only what it may', (folder) => {
    const violations: string[] = [];
    for (const file of files.filter((f) => topFolder(f) === folder)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]!);
        if (!target.startsWith(SRC)) continue;
        const to = topFolder(target);
        if (to !== folder && !ALLOWED[folder]!.includes(to)) violations.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('knows every top-level folder', () => {
    const folders = new Set(files.map(topFolder).filter((f) => !f.endsWith('.ts')));
    for (const f of folders) expect(Object.keys(ALLOWED)).toContain(f);
  });
});
