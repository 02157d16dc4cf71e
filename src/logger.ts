// Structured JSON logs. Secrets never reach a log line: cookies, authorization headers and
// anything named like a password or code are redacted at the source.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password', '*.password', 'code', '*.code', 'newPassword', '*.newPassword', 'confirmation', '*.confirmation',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'client_secret', '*.client_secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'ent-idp' } }, destination as never);
}
