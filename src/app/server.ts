/** The composition root for `logharbor server`: builds the store from config and wires every role. */
import { ApiServer } from '../api/server.js';
import { operations } from '../api/operations/index.js';
import type { ServerConfig } from '../config/config.js';
import type { LogStore } from '../core/ports.js';
import { systemClock, type Clock } from '../core/ports.js';
import type { CoreDeps } from '../core/use-cases/deps.js';
import { buildStore } from './build-store.js';
import { createLogger } from './logger.js';
import { createLiveTail } from '../tail/index.js';
import type { Logger } from '../api/render-error.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly store: LogStore;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly store?: LogStore;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = options.store ?? (await buildStore(config));
  const deps: CoreDeps = { store, clock: options.clock ?? systemClock };
  const hasRole = (role: string) => config.roles.includes(role);
  const liveTail = createLiveTail(store, {
    resolveScope: (_req, url) => ({ accountId: config.accountId, region: url.searchParams.get('region') ?? config.defaultRegion }),
    onError: (err) => logger.error('live tail failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  });
  const api = new ApiServer({
    deps,
    operations,
    ...(hasRole('tail') ? { streamingOperations: liveTail.streamingOperations, routes: liveTail.routes } : {}),
    resolveAccount: () => config.accountId,
    defaultRegion: config.defaultRegion,
    logger,
  });
  const address = hasRole('api') ? await api.listen(config.port, config.host) : undefined;

  // Retention runs beside ingest, never on its path.
  let retentionRunning = false;
  const retentionTimer = setInterval(() => {
    if (retentionRunning || !hasRole('jobs')) return;
    retentionRunning = true;
    store
      .enforceRetention(deps.clock.now())
      .catch((err: unknown) => logger.error('retention failed', { error: String(err) }))
      .finally(() => {
        retentionRunning = false;
      });
  }, config.retentionIntervalMs || 60_000);
  retentionTimer.unref();

  const host = address && (address.address.includes(':') ? `[${address.address}]` : address.address);
  return {
    url: address ? `http://${host}:${address.port}` : '',
    port: address?.port ?? 0,
    store,
    async close() {
      clearInterval(retentionTimer);
      liveTail.close();
      if (address) await api.close();
      await store.close();
    },
  };
}
