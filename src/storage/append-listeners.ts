import type { AppendedEvents } from '../core/ports.js';

type Listener = (batch: AppendedEvents) => void;

/** The onAppend listeners of a store: a failing listener never fails a write that has committed. */
export class AppendListeners extends Set<Listener> {
  subscribe(listener: Listener): () => void {
    this.add(listener);
    return () => this.delete(listener);
  }

  emit(batch: AppendedEvents): void {
    for (const listener of this) {
      try {
        listener(batch);
      } catch {
        // A listener's failure must never fail a write that has already committed.
      }
    }
  }
}
