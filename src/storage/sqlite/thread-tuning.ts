import { getPriority, setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Raises the calling thread's nice value by `by` (Linux, where a thread's nice value is its own;
 * elsewhere it is the whole process's, so it is left alone). Background threads (searches,
 * sealing) then yield the CPU to appends when both cores are busy and run as fast as before when
 * not (see docs/storage.md, Scan thread).
 */
export function lowerThreadPriority(by: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(Math.min(19, getPriority() + by));
  } catch {
    // not allowed here: run at the process's priority
  }
}

/**
 * A collection on demand for the store's worker threads: the memory of the Buffers and typed
 * arrays they churn through (chunk blobs, decoded heads) is freed only when V8 collects, and with
 * little else allocated V8 waited for tens of MB of it per thread (docs/storage.md, Memory).
 * 'minor' (the young generation, ~0.05 ms) or 'major' (the whole small heap, a few ms); a no-op
 * where V8 will not expose it.
 */
export function collector(type: 'minor' | 'major'): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
    return () => gc({ type });
  } catch {
    return () => undefined;
  }
}

/**
 * Detaches a throwaway ArrayBuffer. V8 compiles typed-array accesses without a check for detached
 * buffers while no buffer of the isolate has ever been detached, and throws all that code away at
 * the first detach: a scan thread's first reply that moves its buffers (postMessage's transfer
 * list) did so during the server's first search, after V8 had compiled that search's hot functions
 * (the hit's event, id and time lookups), which it then compiled again. Called when a thread starts.
 */
export function detachOnce(): void {
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
}
