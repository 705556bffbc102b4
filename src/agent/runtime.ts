/** What every agent command shares: the client, the pipeline, host facts, target resolution. */
import { openSync, readFileSync, rmdirSync, unlinkSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient } from './client.js';
import type { ShippingConfig } from './config.js';
import { hostFacts, type HostFacts } from './host.js';
import { Pipeline } from './pipeline.js';
import { Shipper } from './shipper.js';
import { sanitizeGroupName, sanitizeStreamName, utcDate, type Template } from './template.js';

export interface Runtime {
  readonly pipeline: Pipeline;
  readonly host: HostFacts;
  /** The largest message of one event; longer lines are split. */
  readonly maxEventBytes: number;
  /** Records the retention to set on a group the agent ships to. */
  setRetention(group: string, retentionInDays: number | undefined): void;
  /** Renders a template with host variables, `extra` ones, and the agent's environment. */
  lookup(extra?: (variable: string) => string | undefined): (variable: string) => string | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly shipping: ShippingConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** Whether any template uses {instance_id} (only then is IMDS asked). */
  readonly wantInstanceId: boolean;
  /** Where drop reports go, rendered with host variables. */
  readonly reportTarget?: { readonly group: Template; readonly stream: Template };
  readonly spoolDir?: string | undefined;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { shipping, env } = options;
  const host = await hostFacts(options.wantInstanceId && shipping.instanceId.enabled && env['AWS_EC2_METADATA_DISABLED'] !== 'true', {
    timeoutMs: shipping.instanceId.timeoutMs,
    ...(shipping.instanceId.endpoint !== undefined ? { endpoint: shipping.instanceId.endpoint } : {}),
  });
  const retention = new Map<string, number>();
  const lookup =
    (extra?: (variable: string) => string | undefined) =>
    (variable: string): string | undefined => {
      if (variable === 'hostname') return host.hostname;
      if (variable === 'instance_id') return host.instanceId;
      if (variable === 'date') return utcDate(Date.now());
      if (variable.startsWith('env.')) return env[variable.slice(4)] ?? '';
      return extra?.(variable);
    };
  const client = buildClient({ endpoint: shipping.endpoint, region: shipping.region, requestTimeoutMs: shipping.requestTimeoutMs, connectTimeoutMs: shipping.connectTimeoutMs });
  const shipper = new Shipper({
    client,
    backoff: { baseMs: shipping.backoffBaseMs, maxMs: shipping.backoffMaxMs },
    retentionFor: (group) => retention.get(group) ?? shipping.retentionInDays,
    log: options.log,
  });
  const spoolDir = options.spoolDir ?? shipping.spoolDir;
  const report = options.reportTarget
    ? { group: sanitizeGroupName(options.reportTarget.group.render(lookup())), stream: sanitizeStreamName(options.reportTarget.stream.render(lookup())) }
    : undefined;
  const pipeline = new Pipeline(
    {
      flushIntervalMs: shipping.flushIntervalMs,
      maxMemoryBytes: shipping.maxBufferBytes,
      maxEventBytes: shipping.maxEventBytes,
      reportIntervalMs: shipping.reportIntervalMs,
      ...(spoolDir !== undefined ? { spool: { dir: spoolDir, maxBytes: shipping.maxSpoolBytes } } : {}),
      ...(report ? { reportTarget: report } : {}),
      log: options.log,
    },
    shipper,
  );
  return {
    pipeline,
    host,
    maxEventBytes: shipping.maxEventBytes,
    setRetention(group, days) {
      if (days !== undefined) retention.set(group, days);
    },
    lookup,
    async close() {
      await pipeline.close(shipping.finalFlushTimeoutMs);
      client.destroy();
    },
  };
}

/**
 * A (group, stream) pair from templates, re-rendered when the UTC day changes if {date} is used,
 * so that a line costs a comparison, not a render.
 */
export class TargetResolver {
  private id = -1;
  private day = -1;
  private readonly dated: boolean;

  constructor(
    private readonly runtime: Runtime,
    private readonly group: Template,
    private readonly stream: Template,
    private readonly lookup: (variable: string) => string | undefined,
    private readonly retentionInDays: number | undefined,
  ) {
    this.dated = group.variables.includes('date') || stream.variables.includes('date');
  }

  at(now: number): number {
    const day = this.dated ? Math.floor(now / 86_400_000) : 0;
    if (this.id < 0 || day !== this.day) {
      const group = sanitizeGroupName(this.group.render(this.lookup));
      const stream = sanitizeStreamName(this.stream.render(this.lookup));
      this.runtime.setRetention(group, this.retentionInDays);
      this.id = this.runtime.pipeline.target(group, stream);
      this.day = day;
    }
    return this.id;
  }
}

/**
 * Takes a directory for this process alone (a lock file holding our pid). Returns undefined when a
 * live process holds it; a lock left by a dead process is taken over.
 */
export function lockDir(dir: string): (() => void) | undefined {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
          rmdirSync(dir); // only succeeds when nothing is left in it
        } catch {
          // the spool still holds events for the next run
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return undefined;
      unlinkSync(path);
    }
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
