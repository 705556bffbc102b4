/**
 * Live tail, wired in one call: the hub (one store.onAppend listener for every follower), the
 * StartLiveTail streaming operation and the SSE route. The composition root hands the operation
 * and the route to the API server and calls close() on shutdown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogStore } from '../core/ports.js';
import type { Scope } from '../core/types.js';
import { TailHub, type HubOptions } from './hub.js';
import { createLiveTailOperation, type LiveTailOperation, type LiveTailOptions } from './live-tail-session.js';
import { createSseRoute, type SseOptions } from './sse.js';

export interface LiveTailConfig {
  /** the account and region of an SSE request (it carries no SigV4 signature) */
  resolveScope(req: IncomingMessage, url: URL): Scope;
  readonly hub?: HubOptions;
  readonly liveTail?: LiveTailOptions;
  readonly sse?: Omit<SseOptions, 'resolveScope'>;
  readonly onError?: (err: unknown) => void;
}

export interface LiveTail {
  readonly hub: TailHub;
  readonly streamingOperations: ReadonlyMap<string, LiveTailOperation>;
  readonly routes: readonly ((req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>)[];
  close(): void;
}

export function createLiveTail(store: LogStore, config: LiveTailConfig): LiveTail {
  const onError = config.onError;
  const hub = new TailHub(store, { ...(onError ? { onError } : {}), ...config.hub });
  const operation = createLiveTailOperation(store, hub, {
    ...(onError ? { onError: (err: unknown) => onError(err) } : {}),
    ...config.liveTail,
  });
  const sse = createSseRoute(store, hub, { resolveScope: config.resolveScope, ...(onError ? { onError } : {}), ...config.sse });
  return {
    hub,
    streamingOperations: new Map([[operation.name, operation]]),
    routes: [sse],
    close: () => hub.close(),
  };
}

export { TailHub } from './hub.js';
export { SSE_PATH } from './sse.js';
