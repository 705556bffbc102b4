/**
 * What `npm run build` users run: tsc's output (one module per file) started by bin/logharbor.js.
 * Compiled into a directory of the bench's (not the shared dist/) with node_modules linked next to
 * it, so benches measure the production path rather than tsx.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** Returns the path of the built bin/logharbor.js. */
export function buildProduction(dir: string): string {
  const out = join(dir, 'prod');
  mkdirSync(join(out, 'bin'), { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist'), '--sourceMap', 'false', '--declaration', 'false', '--declarationMap', 'false'],
      { cwd: root, stdio: 'ignore' },
    );
  } catch {
    // type errors elsewhere in the tree still emit; the run fails later if what it needs did not
  }
  cpSync(join(root, 'src', 'protocol', 'aws-model'), join(out, 'dist', 'protocol', 'aws-model'), { recursive: true });
  copyFileSync(join(root, 'bin', 'logharbor.js'), join(out, 'bin', 'logharbor.js'));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  symlinkSync(join(root, 'native'), join(out, 'native'));
  writeFileSync(join(out, 'package.json'), readFileSync(join(root, 'package.json')));
  return join(out, 'bin', 'logharbor.js');
}
