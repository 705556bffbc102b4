/** The completion scripts: committed copies match the generator, and bash completes for real. */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliEnv, run } from './helpers.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;

let t: TestServer;
let bin: string;
beforeAll(async () => {
  t = await startTestServer();
  // A `logharbor` on PATH that runs this checkout, for the completion's group lookup.
  bin = mkdtempSync(join(tmpdir(), 'logharbor-cli-bin-'));
  const shim = join(bin, 'logharbor');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(root, 'src/app/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
});
afterAll(async () => {
  await t.close();
  rmSync(bin, { recursive: true, force: true });
});

describe('completion scripts', () => {
  it.each([
    ['bash', 'completions/logharbor.bash'],
    ['zsh', 'completions/_logharbor'],
  ])('completions/ holds what `logharbor completion %s` prints', async (shell, file) => {
    const r = await run(['completion', shell], { env: cliEnv(t.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(root, file), 'utf8'));
  });

  it('rejects other shells', async () => {
    expect((await run(['completion', 'fish'], { env: cliEnv(t.url) })).code).toBe(2);
  });

  it('bash completes commands, options and group names from the endpoint', async () => {
    await run(['groups', 'create', '/comp/alpha'], { env: cliEnv(t.url) });
    await run(['groups', 'create', '/comp/beta'], { env: cliEnv(t.url) });
    const complete = async (words: string[]) => {
      const script = [
        `source ${JSON.stringify(join(root, 'completions/logharbor.bash'))}`,
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
        `COMP_CWORD=${words.length - 1}`,
        '_logharbor',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      const { stdout } = await exec('bash', ['-c', script], {
        env: { ...cliEnv(t.url), PATH: `${bin}:${process.env['PATH'] ?? ''}`, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret' } as NodeJS.ProcessEnv,
      });
      return stdout.split('\n').filter((l) => l !== '').sort();
    };
    expect(await complete(['logharbor', 'ta'])).toEqual(['tail']);
    expect(await complete(['logharbor', 'tail', '--fo'])).toEqual(['--follow']);
    expect(await complete(['logharbor', 'streams', '--order', ''])).toEqual(['last-event', 'name']);
    expect(await complete(['logharbor', 'get', '/comp/'])).toEqual(['/comp/alpha', '/comp/beta']);
    expect(await complete(['logharbor', 'groups', 'cr'])).toEqual(['create']);
  });

  // zsh is not on every machine; where it is, drive an interactive zsh through zpty and press Tab.
  it.skipIf(!hasZsh)('zsh completes commands, options and group names from the endpoint', async () => {
    await exec('zsh', ['-n', join(root, 'completions/_logharbor')]);
    const complete = async (line: string, expected: string) => {
      const script = [
        'zmodload zsh/zpty',
        `zpty z 'PS1="> " TERM=dumb zsh -f -i'`,
        `zpty -w z 'fpath=(${join(root, 'completions')} $fpath); autoload -U compinit; compinit -u -D'`,
        `zpty -w -n z ${JSON.stringify(line)}$'\\t'`,
        `zpty -r z out ${JSON.stringify(`*${expected}*`)}`,
        'zpty -d z',
      ].join('\n');
      const env = { ...cliEnv(t.url), PATH: `${bin}:${process.env['PATH'] ?? ''}` } as NodeJS.ProcessEnv;
      await exec('zsh', ['-f', '-c', script], { env, timeout: 20_000 });
    };
    await complete('logharbor ta', 'logharbor tail ');
    await complete('logharbor get --ut', 'logharbor get --utc ');
    await complete('logharbor streams /x --order la', '--order last-event ');
    await complete('logharbor tail /comp/al', 'logharbor tail /comp/alpha ');
  });
});
