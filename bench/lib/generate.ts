/**
 * Realistic, varied log lines generated deterministically from a seed: HTTP access lines, JSON
 * application logs, syslog lines and multi-line stack traces. Requests live for several events and
 * share a trace id, clients come from a skewed pool, numbers vary: compression figures measured on
 * this text are honest (no repeated lines), and rare terms have known frequencies.
 */

/** mulberry32: small, fast, deterministic */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'];
const ROUTES = [
  '/api/v1/orders', '/api/v1/orders/{id}', '/api/v1/users/{id}', '/api/v1/users/{id}/cart', '/api/v2/search',
  '/api/v2/products/{id}', '/static/js/app.{hex}.js', '/static/css/main.{hex}.css', '/health', '/login',
  '/logout', '/api/v1/payments/{id}/capture', '/api/v1/inventory/{id}', '/graphql', '/favicon.ico',
];
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 302, 304, 304, 400, 401, 403, 404, 404, 409, 429, 500, 502, 503];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'curl/8.5.0',
  'okhttp/4.12.0',
  'aws-sdk-go-v2/1.30.1 os/linux lang/go#1.22.4 md/GOOS#linux md/GOARCH#amd64',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'kube-probe/1.29',
];
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
const SERVICES = ['checkout', 'payments', 'search', 'auth', 'inventory', 'notifications', 'gateway'];
const LOGGERS = ['c.l.orders.OrderService', 'c.l.payments.StripeClient', 'c.l.web.RequestFilter', 'c.l.search.Indexer', 'c.l.auth.TokenVerifier'];
const APP_MESSAGES = [
  'request completed', 'cache miss for key', 'user authenticated', 'order created', 'payment authorized',
  'retrying upstream call', 'slow query detected', 'connection pool exhausted, waiting', 'feature flag evaluated',
  'published event to queue', 'token refreshed', 'rate limit applied', 'inventory reserved', 'email enqueued',
];
const HOSTS = ['ip-10-0-1-17', 'ip-10-0-1-42', 'ip-10-0-2-8', 'ip-10-0-2-91', 'ip-10-0-3-5'];
const DAEMONS = ['sshd', 'systemd', 'kernel', 'CRON', 'dockerd', 'containerd', 'kubelet'];
const SYSLOG_LINES: Array<(r: () => number, n: (k: number) => number) => string> = [
  (_r, n) => `Accepted publickey for deploy from 10.0.${n(4)}.${n(255)} port ${40000 + n(20000)} ssh2: RSA SHA256:${'q7Hx2vLpR9mK4tWcZ8bN3yJ6fD1sA5gE0uI'.slice(n(10))}`,
  (_r, n) => `Started Session ${n(90000)} of User deploy.`,
  (_r, n) => `pam_unix(cron:session): session opened for user root(uid=0) by (uid=${n(3)})`,
  (_r, n) => `I0610 ${String(n(24)).padStart(2, '0')}:${String(n(60)).padStart(2, '0')}:14.${n(999999)} 1234 kubelet.go:2407] "SyncLoop (PLEG): event for pod" pod="default/web-${n(9)}" event={"ID":"${n(1e9).toString(16)}","Type":"ContainerStarted"}`,
  (_r, n) => `[${n(99999)}.${n(999999)}] eth0: renamed from veth${n(1e6).toString(16)}`,
  (_r, n) => `time="2024-06-10T12:00:${String(n(60)).padStart(2, '0')}Z" level=info msg="shim disconnected" id=${n(1e9).toString(16)}${n(1e9).toString(16)} namespace=moby`,
  (_r, n) => `Out of memory: Killed process ${n(40000)} (java) total-vm:${n(9e6)}kB, anon-rss:${n(4e6)}kB`,
];
const EXCEPTIONS = [
  'java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
  'java.util.concurrent.TimeoutException: Request timed out after 30000 ms',
  'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30001ms.',
  'java.lang.IllegalStateException: Order already captured',
];
const FRAMES = [
  'at com.logharbor.orders.OrderService.capture(OrderService.java:{n})',
  'at com.logharbor.payments.StripeClient.post(StripeClient.java:{n})',
  'at com.logharbor.web.RequestFilter.doFilter(RequestFilter.java:{n})',
  'at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:{n})',
  'at jakarta.servlet.http.HttpServlet.service(HttpServlet.java:{n})',
  'at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:{n})',
  'at java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:{n})',
  'at java.base/java.lang.Thread.run(Thread.java:{n})',
];

interface Request {
  traceId: string;
  ip: string;
  user: number;
  method: string;
  route: string;
  remaining: number;
}

export interface GeneratorOptions {
  readonly seed: number;
  /** 'mixed': messages of about 120 bytes on average; 'long': about 340 (richer JSON, more traces) */
  readonly profile?: 'mixed' | 'long';
}

/** A rare term planted at a known rate: 1 event in `every` carries it. */
export const RARE_WORD = 'ChecksumMismatchError';
export const RARE_WORD_EVERY = 20_000;

export class LogGenerator {
  private readonly rnd: () => number;
  private readonly requests: Request[] = [];
  private readonly long: boolean;
  private seq = 0;
  /** trace ids handed out, in order: the bench searches for one (each is used by a few events) */
  readonly traceIds: string[] = [];
  rareWordCount = 0;

  constructor(options: GeneratorOptions) {
    this.rnd = random(options.seed);
    this.long = options.profile === 'long';
  }

  private n(k: number): number {
    return Math.floor(this.rnd() * k);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.n(xs.length)] as T;
  }

  /** Skewed: a few hot clients make most requests, as in real traffic. */
  private clientIp(): string {
    const u = this.rnd();
    const k = Math.floor(Math.pow(u, 3) * 5000);
    return `${[81, 93, 172, 203][k % 4]}.${(k * 7) % 256}.${(k * 13) % 256}.${(k * 31) % 254 + 1}`;
  }

  private hex(len: number): string {
    let s = '';
    while (s.length < len) s += Math.floor(this.rnd() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, len);
  }

  private request(): Request {
    if (this.requests.length < 8 || this.rnd() < 0.25) {
      const traceId = this.hex(16);
      this.traceIds.push(traceId);
      const route = this.pick(ROUTES)
        .replace('{id}', String(1000 + this.n(90000)))
        .replace('{hex}', this.hex(8));
      this.requests.push({ traceId, ip: this.clientIp(), user: this.n(20000), method: this.pick(METHODS), route, remaining: 2 + this.n(6) });
      if (this.requests.length > 16) this.requests.shift();
    }
    const req = this.requests[this.n(this.requests.length)]!;
    if (--req.remaining <= 0) this.requests.splice(this.requests.indexOf(req), 1);
    return req;
  }

  /** The next message; `timestamp` is the event's time, echoed in the text as real loggers do. */
  next(timestamp: number): string {
    this.seq++;
    const iso = new Date(timestamp).toISOString();
    const r = this.rnd();
    let line: string;
    if (this.seq % RARE_WORD_EVERY === 0) {
      this.rareWordCount++;
      line = `${iso} ERROR [worker-${this.n(16)}] c.l.storage.BlockReader - ${RARE_WORD}: block ${this.n(1e6)} expected crc ${this.hex(8)}`;
    } else if (r < 0.36) line = this.access(timestamp);
    else if (r < 0.74) line = this.json(iso);
    else if (r < 0.95) line = this.syslog(timestamp);
    else line = this.trace(iso);
    return line;
  }

  private access(timestamp: number): string {
    const req = this.request();
    const d = new Date(timestamp);
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const clf = `${String(d.getUTCDate()).padStart(2, '0')}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;
    const status = this.pick(STATUSES);
    const size = status === 304 || status === 204 ? 0 : 200 + this.n(60000);
    const base = `${req.ip} - - [${clf}] "${req.method} ${req.route} HTTP/1.1" ${status} ${size}`;
    if (!this.long && this.rnd() < 0.9) return `${base} ${(this.n(2000) / 1000).toFixed(3)}`;
    return `${base} "-" "${this.pick(AGENTS)}" rt=${(this.n(2000) / 1000).toFixed(3)} trace=${req.traceId}`;
  }

  private json(iso: string): string {
    const req = this.request();
    const level = this.pick(LEVELS);
    const record: Record<string, unknown> = {
      ts: iso,
      level,
      service: this.pick(SERVICES),
      msg: this.pick(APP_MESSAGES),
      trace_id: req.traceId,
    };
    if (this.rnd() < 0.5) record['duration_ms'] = this.n(1500);
    if (this.long) {
      record['logger'] = this.pick(LOGGERS);
      record['thread'] = `http-nio-8080-exec-${this.n(200)}`;
      record['user_id'] = req.user;
      record['http'] = { method: req.method, path: req.route, status: this.pick(STATUSES), client_ip: req.ip };
      record['host'] = this.pick(HOSTS);
      record['span_id'] = this.hex(8);
      record['attrs'] = { cart_items: this.n(12), region: this.pick(['us-east-1', 'eu-west-1', 'ap-south-1']), retry: this.n(3) };
      record['message'] = `${this.pick(APP_MESSAGES)} for user ${req.user} in ${this.n(900) + 100} ms (attempt ${1 + this.n(3)})`;
    } else if (this.rnd() < 0.3) {
      record['user_id'] = req.user;
    }
    return JSON.stringify(record);
  }

  private syslog(timestamp: number): string {
    const d = new Date(timestamp);
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const stamp = `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const daemon = this.pick(DAEMONS);
    const pid = daemon === 'kernel' ? '' : `[${100 + this.n(30000)}]`;
    const body = this.pick(SYSLOG_LINES)(this.rnd, (k) => this.n(k));
    return `${stamp} ${this.pick(HOSTS)} ${daemon}${pid}: ${body}`;
  }

  private trace(iso: string): string {
    const req = this.request();
    const depth = (this.long ? 10 : 2) + this.n(this.long ? 10 : 3);
    const frames: string[] = [];
    const start = this.n(FRAMES.length);
    for (let i = 0; i < depth; i++) frames.push(`\t${FRAMES[(start + i) % FRAMES.length]!.replace('{n}', String(20 + this.n(400)))}`);
    return `${iso} ERROR [http-nio-8080-exec-${this.n(200)}] ${this.pick(LOGGERS)} - request failed trace=${req.traceId}\n${this.pick(EXCEPTIONS)}\n${frames.join('\n')}`;
  }
}
