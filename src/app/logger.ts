import type { Logger } from '../api/render-error.js';

/** One JSON line per log record on stderr. */
export function createLogger(level: 'debug' | 'info' | 'warn' | 'error'): Logger {
  const quiet = level === 'error' || level === 'warn';
  const write = (lvl: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, message, ...fields })}\n`);
  return {
    info: (message, fields) => {
      if (!quiet) write('info', message, fields);
    },
    error: (message, fields) => write('error', message, fields),
  };
}
