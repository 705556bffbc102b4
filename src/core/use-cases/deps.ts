import type { Clock, LogStore } from '../ports.js';

/** What every use-case needs; built once by the composition root. */
export interface CoreDeps {
  readonly store: LogStore;
  readonly clock: Clock;
}
