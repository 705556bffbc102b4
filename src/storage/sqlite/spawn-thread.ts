/** Starts one of the store's worker threads; from TypeScript sources (tests, tsx) the worker registers tsx first. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** name: the entry's file name without extension, next to this file (e.g. 'writer-thread'). */
export function spawnStoreThread(name: string, workerData: unknown, resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, here).href;
    const tsx = pathToFileURL(join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, workerData, resourceLimits });
  }
  return new Worker(new URL(`./${name}.js`, here), { workerData, resourceLimits });
}
