/** Runs the agent commands alone (without the server's code loaded), e.g. `node --import tsx src/agent/bench-entry.ts run ...`. */
import { runAgentCommand } from './main.js';

runAgentCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
