import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig, parseFlags } from '../../src/config/config.js';

describe('server configuration', () => {
  it('has documented defaults', () => {
    const config = loadServerConfig({}, { HOME: '/home/u' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4588,
      dataDir: '/home/u/.local/share/logharbor',
      store: 'sqlite',
      accountId: '000000000000',
      defaultRegion: 'us-east-1',
      sqliteSynchronous: 'FULL',
    });
    expect(loadServerConfig({}, { XDG_DATA_HOME: '/xdg' }).dataDir).toBe('/xdg/logharbor');
  });

  it('applies file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-config-'));
    const file = join(dir, 'logharbor.yaml');
    writeFileSync(file, 'server:\n  port: 5000\n  host: 0.0.0.0\n  accountId: "123456789012"\n  dataDir: /srv/a\n');
    const env = { LOGHARBOR_CONFIG: file, LOGHARBOR_PORT: '5001', LOGHARBOR_DATA_DIR: '/srv/b' };
    const config = loadServerConfig(parseFlags(['--data-dir', '/srv/c']).flags, env);
    expect(config).toMatchObject({ port: 5001, host: '0.0.0.0', accountId: '123456789012', dataDir: '/srv/c' });
  });

  it('rejects bad values with a clear message', () => {
    expect(() => loadServerConfig({ port: 'abc' }, {})).toThrow(ConfigError);
    expect(() => loadServerConfig({ port: '70000' }, {})).toThrow(/at most 65535/);
    expect(() => loadServerConfig({ 'account-id': '12' }, {})).toThrow(/12 digits/);
    expect(() => loadServerConfig({ config: '/does/not/exist.yaml' }, {})).toThrow(/cannot read config file/);
    expect(() => loadServerConfig({ roles: 'api,coffee' }, {})).toThrow(/roles must be a comma-separated list of api, tail, jobs/);
    expect(loadServerConfig({ roles: 'api, jobs' }, {}).roles).toEqual(['api', 'jobs']);
  });

  it('parses flags in both forms and keeps what follows --', () => {
    expect(parseFlags(['--port=1', '--host', 'h', 'x', '--verbose', '--', '--not-a-flag'])).toEqual({
      flags: { port: '1', host: 'h', verbose: 'true' },
      rest: ['x', '--not-a-flag'],
    });
  });
});
