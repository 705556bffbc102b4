import { getPriority, setPriority } from 'node:os';

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
