/**
 * glibc malloc settings for the server process (native/malloc-tuning, built by `npm install`):
 * a fixed mmap threshold and two arenas keep transient megabyte buffers out of arenas that glibc
 * would keep at their high-water mark. Measured with bench/run.ts: see docs/storage.md, Memory.
 * Without the addon (no compiler at install, not glibc) the server runs the same, with more memory.
 */
import { createRequire } from 'node:module';

interface MallocTuning {
  configure(mmapThresholdBytes: number, arenaMax: number): boolean;
  trim(): boolean;
}

let addon: MallocTuning | null | undefined;

function load(): MallocTuning | null {
  if (addon !== undefined) return addon;
  try {
    // Same depth below the package root from src/app (tsx) and dist/app (the build).
    addon = createRequire(import.meta.url)('../../native/malloc-tuning/build/Release/malloc_tuning.node') as MallocTuning;
  } catch {
    addon = null;
  }
  return addon;
}

/** Applies the settings once, before the store's threads start; false when they could not be. */
export function tuneMalloc(): boolean {
  return load()?.configure(256 * 1024, 2) ?? false;
}

/** Gives freed memory back to the system; false when there was none or no addon. */
export function trimMalloc(): boolean {
  return load()?.trim() ?? false;
}
