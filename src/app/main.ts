/** The `logharbor` binary: `server` starts the service; every other command is the CLI's. */

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'server') {
    // Loaded here, not at the top: the server config pulls in the YAML parser, which `run` (whose
    // RSS is a target) does not need.
    const { ConfigError, loadServerConfig, parseFlags } = await import('../config/config.js');
    const { flags } = parseFlags(args);
    if (flags['help'] !== undefined) {
      process.stdout.write(SERVER_HELP);
      return 0;
    }
    let config;
    try {
      config = loadServerConfig(flags);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`logharbor server: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    // Before the store's threads start (each would get its own arena): see malloc-tuning.ts.
    const { trimMalloc, tuneMalloc } = await import('./malloc-tuning.js');
    const tuned = tuneMalloc();
    // What arenas still hold after a burst (small blocks, fragmentation) goes back every few seconds.
    // A trim holds this thread 7 ms (median; up to 34) under ingest: every second that was 1% of
    // the event loop and a share of every request p99.
    if (tuned) setInterval(trimMalloc, 5_000).unref();
    // V8 lets the old generation grow to up to 4x what survived the last full collection on a
    // machine this size, and 1 MB request bodies and joined batches live there (large objects are
    // reclaimed only by full collections). 1.5x: bench peak RSS 226-261 -> 214 MB (1M events) and
    // 245-254 -> 236 MB (10M) for ingest within the runs' noise; 1.25x cost ~10% of ingest, and
    // --optimize-for-size (181 MB) 40%. Read at each collection, so it can be set at run time.
    (await import('node:v8')).setFlagsFromString('--heap-growing-percent=50');
    // Loaded only for `server`: the agent and the CLI stay light (the agent's RSS is a target).
    const { startServer } = await import('./server.js');
    const running = await startServer(config);
    const where = running.url ? `listening on ${running.url}` : 'running without the api role';
    process.stderr.write(`logharbor server ${where} (roles ${config.roles.join(',')}; data in ${config.dataDir}${tuned ? '' : '; malloc tuning not built'})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await running.close();
    return 0;
  }
  if (command === 'run' || command === 'agent') {
    // Before the agent's modules load: V8 would otherwise optimize the module loader's code with
    // TurboFan, which the agent turns off (src/agent/heap.ts), and that costs ~3.5 MB of RSS.
    const { tuneHeapForAgent } = await import('../agent/heap.js');
    tuneHeapForAgent();
    const { runAgentCommand } = await import('../agent/main.js');
    return runAgentCommand(argv);
  }
  const { runCli } = await import('../cli/main.js');
  return runCli(argv);
}

const SERVER_HELP = `Usage: logharbor server [options]

Starts the CloudWatch Logs compatible server.

Options:
  --host HOST              listen address (default 127.0.0.1; env LOGHARBOR_HOST)
  --port PORT              listen port (default 4588; env LOGHARBOR_PORT)
  --data-dir DIR           where the embedded store keeps its data
                           (default $XDG_DATA_HOME/logharbor or ~/.local/share/logharbor; env LOGHARBOR_DATA_DIR)
  --store STORE            sqlite (default), sqlite:<file> or postgres://... (env LOGHARBOR_STORE)
  --account-id ID          the account every request belongs to in development mode (default 000000000000)
  --region REGION          region when a request carries no SigV4 credential scope (default us-east-1)
  --config FILE            a YAML or JSON config file (env LOGHARBOR_CONFIG)

Example:
  logharbor server --port 4588 --data-dir ./data
  aws --endpoint-url http://127.0.0.1:4588 logs create-log-group --log-group-name /prod/api
`;

// Run when executed directly (`tsx src/app/main.ts ...`, `node dist/app/main.js ...`); bin/logharbor.js imports it instead.
import { pathToFileURL } from 'node:url';
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`logharbor: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
