/** `logharbor agent`: tails files and Docker containers as agent.yaml says, until SIGINT/SIGTERM. */
import { join } from 'node:path';
import { CheckpointFile, type CheckpointData, type ContainerPosition, type FilePosition } from './checkpoint.js';
import type { AgentConfig } from './config.js';
import { lockDir, startRuntime, type Runtime } from './runtime.js';
import { FileSource } from './sources/file.js';
import type { DockerSource } from './sources/docker.js';

export interface RunningAgent {
  readonly runtime: Runtime;
  /** Writes the checkpoint now (it is also written every checkpoint_interval_ms). */
  saveCheckpoint(): void;
  /** Stops the sources, flushes (bounded), writes the checkpoint. */
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningAgent> {
  const unlock = lockDir(config.stateDir);
  if (!unlock) throw new Error(`another agent is running with state_dir ${config.stateDir}`);
  const templates = [config.agentLog.group, config.agentLog.stream, ...config.files.flatMap((f) => [f.group, f.stream])];
  if (config.docker) templates.push(config.docker.group, config.docker.stream);
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      shipping: config.shipping,
      env,
      log,
      wantInstanceId: templates.some((t) => t.variables.includes('instance_id')),
      reportTarget: config.agentLog,
    });
  } catch (err) {
    unlock();
    throw err;
  }
  const checkpoint = new CheckpointFile(join(config.stateDir, 'checkpoint.json'));
  const saved = checkpoint.load();
  const claimed = new Set<string>();
  const files = config.files.map((source) => new FileSource(source, runtime, saved.files, claimed));
  let docker: DockerSource | undefined;
  if (config.docker) {
    const { DockerSource: Docker } = await import('./sources/docker.js');
    docker = new Docker(config.docker, runtime, saved.containers, log);
  }

  const save = () => {
    const durable = runtime.pipeline.durableSeq;
    const positions: Record<string, FilePosition> = {};
    for (const source of files) source.positions(durable, positions);
    const containers: Record<string, ContainerPosition> = docker ? docker.positions(durable) : saved.containers;
    const data: CheckpointData = { files: positions, containers };
    checkpoint.save(data);
  };
  const poll = () => {
    const now = Date.now();
    for (const source of files) {
      try {
        source.tick(now);
      } catch (err) {
        log(`file source: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  poll();
  const pollTimer = setInterval(poll, config.pollIntervalMs);
  const checkpointTimer = setInterval(save, config.checkpointIntervalMs);
  docker?.start();

  let stopping: Promise<void> | undefined;
  return {
    runtime,
    saveCheckpoint: save,
    stop() {
      stopping ??= (async () => {
        clearInterval(pollTimer);
        clearInterval(checkpointTimer);
        await docker?.stop();
        const now = Date.now();
        for (const source of files) source.close(now);
        await runtime.close();
        save();
        unlock();
      })();
      return stopping;
    },
  };
}

export async function runAgent(config: AgentConfig, env: NodeJS.ProcessEnv): Promise<number> {
  const log = (line: string) => process.stderr.write(`logharbor agent: ${line}\n`);
  let agent: RunningAgent;
  try {
    agent = await startAgent(config, env, log);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    return 1;
  }
  log(`shipping ${config.files.length} file source(s)${config.docker ? ' and Docker' : ''} to ${config.shipping.endpoint ?? 'CloudWatch Logs'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await agent.stop();
  return 0;
}
