#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` produces dist/. During development use `npx tsx src/cli/main.ts`.
import('../dist/app/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1; },
);
