/**
 * Filter-pattern throughput: events evaluated per second for each pattern family, on realistic,
 * deterministically generated events (Apache access lines, JSON application logs, syslog lines).
 * Each pattern is compiled once and run over the same corpus, as FilterLogEvents would.
 *
 * Standalone: `npx tsx bench/filter-patterns.ts`.
 */
import { pathToFileURL } from 'node:url';
import { compileFilterPattern } from '../src/core/filter-pattern/index.js';

export interface FilterPatternBenchResult {
  family: string;
  pattern: string;
  matchesPerSec: number;
}

/** Small deterministic PRNG (mulberry32) so every run sees the same corpus. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['/index.html', '/api/v1/orders', '/api/v1/users/42', '/static/app.js', '/health', '/login'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const STATUS = [200, 200, 200, 200, 201, 301, 304, 400, 403, 404, 500, 503];
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const SERVICES = ['checkout', 'payments', 'search', 'auth'];
const HOSTS = ['web-1', 'web-2', 'db-1'];
const DAEMONS = ['sshd[812]', 'systemd[1]', 'kernel', 'cron[2231]'];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)] as T;
}

export function generateEvents(count: number, seed = 42): { access: string[]; json: string[]; syslog: string[] } {
  const rnd = random(seed);
  const access: string[] = [];
  const json: string[] = [];
  const syslog: string[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
    const sec = String(i % 60).padStart(2, '0');
    access.push(
      `${ip} - user${Math.floor(rnd() * 100)} [10/Oct/2024:13:55:${sec} -0700] ` +
        `"${pick(rnd, METHODS)} ${pick(rnd, PATHS)} HTTP/1.1" ${pick(rnd, STATUS)} ${Math.floor(rnd() * 50_000)}`,
    );
    const level = pick(rnd, LEVELS);
    json.push(
      JSON.stringify({
        timestamp: `2024-10-10T13:55:${sec}.${String(i % 1000).padStart(3, '0')}Z`,
        level,
        service: pick(rnd, SERVICES),
        requestId: `req-${(i * 2654435761) >>> 0}`,
        latency: Math.floor(rnd() * 2000),
        http: { method: pick(rnd, METHODS), path: pick(rnd, PATHS), status: pick(rnd, STATUS) },
        user: { id: Math.floor(rnd() * 10_000), roles: ['reader', rnd() < 0.1 ? 'admin' : 'user'] },
        message: level === 'ERROR' ? 'Failed to process request: timeout talking to db-1' : 'request completed',
      }),
    );
    syslog.push(
      `Oct 10 13:55:${sec} ${pick(rnd, HOSTS)} ${pick(rnd, DAEMONS)}: ` +
        (rnd() < 0.2
          ? `Failed password for invalid user admin from ${ip} port ${Math.floor(rnd() * 65535)} ssh2`
          : `Accepted publickey for deploy from ${ip} port ${Math.floor(rnd() * 65535)} ssh2`),
    );
  }
  return { access, json, syslog };
}

const CASES: ReadonlyArray<{ family: string; pattern: string; corpus: 'access' | 'json' | 'syslog' }> = [
  { family: 'all', pattern: '', corpus: 'syslog' },
  { family: 'terms', pattern: 'Failed', corpus: 'syslog' },
  { family: 'terms', pattern: 'Failed password -admin', corpus: 'syslog' },
  { family: 'terms', pattern: '?ERROR ?WARN', corpus: 'json' },
  { family: 'terms', pattern: '"HTTP/1.1\\" 500"', corpus: 'access' },
  { family: 'json', pattern: '{ $.level = "ERROR" }', corpus: 'json' },
  { family: 'json', pattern: '{ $.latency > 1000 && $.http.status >= 500 }', corpus: 'json' },
  { family: 'json', pattern: '{ $.user.roles[*] = "admin" || $.service = pay* }', corpus: 'json' },
  { family: 'space-delimited', pattern: '[ip, id, user, timestamp, request, status_code = 5*, bytes]', corpus: 'access' },
  { family: 'space-delimited', pattern: '[..., status_code >= 400 && status_code < 500, bytes > 1000]', corpus: 'access' },
  { family: 'space-delimited', pattern: '[month, day, time, host, daemon, w1 = Failed, rest]', corpus: 'syslog' },
  { family: 'regex', pattern: '%Failed password for (invalid user )?%'.replace(/[()]/g, ''), corpus: 'syslog' },
  { family: 'regex', pattern: '%HTTP/1\\.1" 5\\d\\d%'.replace('"', '\\x22'), corpus: 'access' },
  { family: 'regex', pattern: '{ $.message = %timeout.*db-\\d% }', corpus: 'json' },
];

export async function benchFilterPatterns(options: { events?: number; minMs?: number } = {}): Promise<FilterPatternBenchResult[]> {
  const events = generateEvents(options.events ?? 2_000);
  const minMs = options.minMs ?? 200;
  const results: FilterPatternBenchResult[] = [];
  for (const c of CASES) {
    const compiled = compileFilterPattern(c.pattern);
    const corpus = events[c.corpus];
    let matched = 0;
    for (const m of corpus) if (compiled.matches(m)) matched++; // warm-up
    let evaluated = 0;
    const start = performance.now();
    let elapsed: number;
    do {
      for (const m of corpus) if (compiled.matches(m)) matched++;
      evaluated += corpus.length;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    if (matched < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
    results.push({ family: c.family, pattern: c.pattern, matchesPerSec: Math.round((evaluated / elapsed) * 1000) });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchFilterPatterns();
  console.log('family           events/s     pattern');
  for (const r of rows) {
    console.log(`${r.family.padEnd(16)} ${r.matchesPerSec.toLocaleString('en-US').padStart(12)}  ${r.pattern}`);
  }
}
