// Structured JSON logs. Secrets never reach a log line: cookies, authorization headers and
// keys named like a password, a secret or a token (the login forms' names too) are redacted
// at the source. `code` is not one of them: it is the key of error codes (invalid_csrf_token,
// ECONNREFUSED …) that a log line must show. No log call takes a one-time code; one that
// must mention one passes its id.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'confirmation',
  '*.confirmation',
  'mot_de_passe',
  '*.mot_de_passe',
  'nouveau_mot_de_passe',
  '*.nouveau_mot_de_passe',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'client_secret',
  '*.client_secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'ent-idp' } },
    destination as never,
  );
}
