/**
 * Keeps the agent's V8 heap small, from inside the process (the launcher cannot pass node flags
 * without a second process, whose RSS would count too). Each flag is one V8 reads whenever it
 * sizes the heap or tiers code up, so setting it at run time takes effect:
 * - semi-space-growth-factor=1: the young generation stays at its initial 1 MB semi-spaces instead
 *   of growing to 16 MB each under 10,000 lines/s (what --max-semi-space-size=1 would do);
 * - optimize-for-size: the old generation grows by a conservative factor between collections;
 * - no-opt: no TurboFan. The agent's hot loop (split lines, queue, encode, sign) runs well enough in
 *   Ignition and Sparkplug; optimizing it cost ~7 MB of RSS (optimized code, deoptimization data and
 *   the compiler's zone memory on its background thread) for a few points of CPU. V8 checks the
 *   flag each time it considers tiering a function up, so setting it at run time takes effect.
 * Measured with bench/agent.ts: mean RSS 78 -> 67 MB (first two), 64 -> 57 MB (no-opt); CPU 7-9% ->
 * 10-13% of a core (target 15%).
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

export function tuneHeapForAgent(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--no-opt');
}
