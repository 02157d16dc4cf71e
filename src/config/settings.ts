// Every setting ent-idp reads, as data: its name (the environment variable and the key in
// config/*.json), how it is validated, its default and what it is for. The README's
// configuration table is this list. Defaults marked `devSecret` are public development
// values: production, and any https ISSUER, refuse them (src/config/index.ts).
import { z } from 'zod';

export interface Setting<T extends z.ZodType = z.ZodType> {
  schema: T;
  default?: z.input<T>;
  doc: string;
  /**
   * The default is a public development value. `'demo-app'`: checked only where the demo
   * application is served (outside production), since nothing else uses it.
   */
  devSecret?: true | 'demo-app';
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
/** A 32-byte key given as 64 hex characters or base64. */
const key32 = z.string().transform((v, ctx) => {
  const buf = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (buf.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return buf;
});
const url = z.string().refine((v) => URL.canParse(v), 'must be an absolute URL');

export const settings = {
  NODE_ENV: {
    schema: z.enum(['development', 'production', 'test']),
    default: 'development',
    doc: 'development, test or production (production refuses development secrets, a non-https issuer, mails written to disk and an open /metrics)',
  },
  PORT: { schema: int(0, 65535), default: 3000, doc: 'TCP port the server listens on' },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', doc: 'address the server binds' },
  ISSUER: {
    schema: url,
    default: 'http://localhost:3000',
    doc: 'public URL of the provider (the `iss` of every token); https in production',
  },
  DATABASE_URL: {
    schema: z.string().min(1),
    default: 'sqlite:data/ent-idp.sqlite',
    doc: '`sqlite:<file>` (embedded) or `mysql://user:pass@host:3306/db` (MySQL 8, MariaDB 10.11+)',
  },
  DATABASE_POOL_SIZE: { schema: int(1, 500), default: 10, doc: 'MySQL/MariaDB connection pool size' },
  DATABASE_TIMEOUT_MS: {
    schema: int(100, 120_000),
    default: 5000,
    doc: 'connect timeout (MySQL), busy timeout (SQLite) and `/readyz` database check, in ms',
  },
  REQUEST_TIMEOUT_MS: {
    schema: int(1000, 600_000),
    default: 15_000,
    doc: 'deadline of a request: past it, a 503 « Service indisponible » answers (a database that stopped answering), in ms',
  },
  COOKIE_KEYS: {
    schema: list.pipe(z.array(z.string().min(32, 'each key needs at least 32 characters')).min(1)),
    default: 'dev-only-cookie-key-change-me-0000000000',
    devSecret: true,
    doc: 'comma-separated keys signing cookies; the first signs, all verify (rotate by prepending)',
  },
  CODE_ENCRYPTION_KEY: {
    schema: key32,
    default: '6465762d6f6e6c792d636f64652d6b65792d6368616e67652d6d652d30303030',
    devSecret: true,
    doc: 'key (32 bytes, hex or base64) encrypting one-time codes at rest and keying their digests',
  },
  KEYSTORE_ENCRYPTION_KEY: {
    schema: key32,
    default: '6465762d6f6e6c792d6b657973746f72652d6b65792d6368616e67652d6d6521',
    devSecret: true,
    doc: 'key (32 bytes, hex or base64) encrypting the private signing keys at rest',
  },
  TRUST_PROXY: {
    schema: bool,
    default: false,
    doc: 'trust X-Forwarded-* headers (set behind a TLS-terminating proxy)',
  },
  PROXY_HOPS: {
    schema: int(1, 10),
    default: 1,
    doc: 'with TRUST_PROXY, how many proxies in front append to X-Forwarded-For: the client is the entry that far from the right (entries further left come from the client and are ignored)',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level',
  },

  ARGON2_MEMORY_KIB: {
    schema: int(1024, 4_194_304),
    default: 19456,
    doc: 'argon2id memory cost in KiB (OWASP: 19 MiB)',
  },
  ARGON2_TIME_COST: { schema: int(1, 100), default: 2, doc: 'argon2id iterations' },
  ARGON2_PARALLELISM: { schema: int(1, 64), default: 1, doc: 'argon2id parallelism' },
  PASSWORD_MIN_LENGTH: { schema: int(8, 128), default: 8, doc: 'minimum password length (characters)' },

  ACTIVATION_CODE_TTL: {
    schema: int(0, 10 * 366 * 86400),
    default: 0,
    doc: 'activation code lifetime in seconds; 0 = until the start of the next school year',
  },
  SCHOOL_YEAR_START: {
    schema: z.string().regex(/^\d{2}-\d{2}$/, 'must be MM-DD'),
    default: '09-01',
    doc: 'first day of the school year (MM-DD), when activation codes expire by default',
  },
  RENEWAL_CODE_TTL: {
    schema: int(60, 366 * 86400),
    default: 72 * 3600,
    doc: 'renewal code lifetime in seconds (72 h)',
  },
  RESET_LINK_TTL: { schema: int(60, 7 * 86400), default: 3600, doc: 'password reset link lifetime in seconds' },

  LOGIN_MAX_FAILURES: {
    schema: int(1, 1000),
    default: 10,
    doc: 'failed logins allowed per identifiant and IP in the window before throttling',
  },
  LOGIN_MAX_FAILURES_PER_IP: {
    schema: int(1, 100_000),
    default: 100,
    doc: 'failed logins allowed per IP (all identifiants) in the window',
  },
  LOGIN_WINDOW: { schema: int(10, 86400), default: 900, doc: 'throttling window in seconds' },
  RECOVERY_MAX_PER_IP: {
    schema: int(1, 100_000),
    default: 30,
    doc: '« Mot de passe oublié » and « Identifiant oublié » requests allowed per IP in RECOVERY_WINDOW; more get a 429 page',
  },
  RECOVERY_MAX_PER_ADDRESS: {
    schema: int(1, 1000),
    default: 5,
    doc: 'recovery requests per identifiant or email address (known or not) in RECOVERY_WINDOW; past it the page answers as always but mails nothing',
  },
  RECOVERY_WINDOW: { schema: int(60, 86400), default: 3600, doc: 'recovery throttling window in seconds' },

  AUTHORIZATION_CODE_TTL: {
    schema: int(1, 600),
    default: 60,
    doc: 'authorization code lifetime in seconds (at most 600)',
  },
  ACCESS_TOKEN_TTL: { schema: int(30, 86400), default: 3600, doc: 'access token lifetime in seconds' },
  ID_TOKEN_TTL: { schema: int(30, 86400), default: 3600, doc: 'ID token lifetime in seconds' },
  CLIENT_CREDENTIALS_TTL: { schema: int(30, 86400), default: 600, doc: 'client_credentials token lifetime in seconds' },
  REFRESH_TOKEN_TTL: {
    schema: int(60, 366 * 86400),
    default: 14 * 86400,
    doc: 'refresh token absolute lifetime in seconds',
  },
  SESSION_TTL: {
    schema: int(60, 366 * 86400),
    default: 12 * 3600,
    doc: 'lifetime in seconds of a session without « Se souvenir de moi » (its cookie also ends with the browser)',
  },
  REMEMBER_ME_TTL: {
    schema: int(60, 366 * 86400),
    default: 30 * 86400,
    doc: 'lifetime of the session cookie when « Se souvenir de moi » is ticked',
  },
  INTERACTION_TTL: { schema: int(60, 86400), default: 3600, doc: 'how long a login page stays valid, in seconds' },
  BACKCHANNEL_LOGOUT_RETRY: {
    schema: int(1, 7 * 86400),
    default: 3600,
    doc: 'seconds during which a back-channel logout an application did not accept is retried (back-off up to 5 min), then given up',
  },
  GRANT_TTL: { schema: int(60, 366 * 86400), default: 14 * 86400, doc: 'grant lifetime in seconds' },
  CAS_TICKET_TTL: {
    schema: int(1, 300),
    default: 10,
    doc: 'CAS service ticket lifetime in seconds (used once, bound to the exact service URL)',
  },
  SAML_GAR_ID_ENT: {
    schema: z.string().max(64).optional(),
    doc: "the ENT's identifier at the GAR (`idEnt` attribute of the SAML `gar` profile); empty: not released",
  },
  EDUCONNECT_IDP_METADATA: {
    schema: z.string().min(1).optional(),
    doc: 'ÉduConnect (the national account of pupils and parents): its IdP metadata, a file path or an https URL; unset: no « Se connecter avec ÉduConnect » button',
  },
  EDUCONNECT_MAX_AGE: {
    schema: int(60, 3600),
    default: 600,
    doc: 'seconds an ÉduConnect sign-in may take: the AuthnRequest id is kept that long, and an older assertion is refused',
  },
  EDUCONNECT_METADATA_REFRESH: {
    schema: int(0, 86_400),
    default: 3600,
    doc: "seconds between two readings of ÉduConnect's metadata (file or URL), so a new ÉduConnect certificate is trusted without a restart; a reading that fails keeps the last good metadata; 0: read at start only",
  },
  EDUCONNECT_REFID_ATTRIBUTE: {
    schema: z.string().min(1).max(200),
    default: 'FrEduCtRefId',
    doc: 'Name or FriendlyName of the ÉduConnect attribute carrying the national ids (`{AAF}<académie>|<type>|<id>`) that link an account at once',
  },

  ADMIN_API_AUDIENCE: {
    schema: z.string().optional(),
    doc: 'audience (resource indicator) of the admin API; default `<ISSUER>/admin/api`',
  },
  ACCESSIBILITY_CONTACT: {
    schema: z.string().max(255).optional(),
    doc: 'who to write to about accessibility (an e-mail address or a URL), shown in the « Déclaration d’accessibilité » at /accessibilite; unset: the school',
  },
  ENT_LOGIN_URL: {
    schema: url.optional(),
    doc: 'where the QR codes of connection sheets (`<ISSUER>/connexion?identifiant=`) send the browser: the ENT portal’s sign-in start, which must forward `login_hint` to the provider (default: the demo application outside production; unset in production: a page says to open the ENT)',
  },
  ADMIN_ISSUER: {
    schema: url.optional(),
    doc: 'issuer the admin app trusts (default ISSUER; set when the admin app runs alone)',
  },
  ADMIN_CLIENT_ID: { schema: z.string().min(1), default: 'ent-admin', doc: 'client_id of the admin page' },
  ADMIN_CLIENT_SECRET: {
    schema: z.string().min(16),
    default: 'dev-only-admin-client-secret-change-me',
    devSecret: true,
    doc: 'client secret of the admin page',
  },

  SMTP_URL: {
    schema: z.string().optional(),
    doc: 'SMTP server (`smtp://user:pass@host:587`); unset in development: mails are written to MAIL_DIR',
  },
  MAIL: {
    schema: z.enum(['smtp', 'files', 'disabled']).optional(),
    doc: 'how mails leave: `smtp` (through SMTP_URL), `files` (.eml under MAIL_DIR, development) or `disabled` (sent nowhere; a warning is logged per mail); default `smtp` when SMTP_URL is set, else `files`. Production refuses `files`',
  },
  MAIL_FROM: { schema: z.string().min(3), default: 'ENT <no-reply@ent.localhost>', doc: 'sender of the mails' },
  MAIL_DIR: {
    schema: z.string().min(1),
    default: 'data/mail',
    doc: 'where development mails are written when SMTP_URL is unset',
  },

  DEMO: {
    schema: bool.optional(),
    doc: 'seed the demo school on start when the database is empty; default: on with an http:// ISSUER, off with https (never in production)',
  },
  PURGE_INTERVAL: {
    schema: int(0, 86400),
    default: 600,
    doc: 'seconds between purges of expired artifacts (0 = never)',
  },
  SIGNING_KEY_LEAD_HOURS: {
    schema: int(0, 90 * 24),
    default: 48,
    doc: 'hours between `keys rotate` and the new keys signing: meanwhile they are published (JWKS, SAML metadata) so relying parties and SPs that cache them learn them first; `keys rotate --now` switches at once',
  },
  AUDIT_RETENTION_DAYS: {
    schema: int(1, 36_500),
    default: 365,
    doc: 'days an audit event is kept; the purge deletes older ones',
  },
  DEPARTED_RETENTION_DAYS: {
    schema: int(1, 36_500),
    default: 365,
    doc: 'days an account is kept after it departed at a rollover (blocked); the purge then deletes it and anonymises its audit events',
  },
  CLIENTS_FILE: {
    schema: z.string().min(1).optional(),
    doc: 'JSON file of OIDC clients (an array of `{clientId, name, type, redirectUris, postLogoutRedirectUris, grantTypes, scopes, firstParty, resourceServer, backchannelLogoutUri, secret}`) applied idempotently at start',
  },
  DEMO_APP_PORT: {
    schema: int(0, 65535),
    default: 3002,
    doc: 'port of the demo ENT application when run alone (`npm run demo:app`)',
  },
  DEMO_APP_URL: {
    schema: url.optional(),
    doc: 'public URL of the demo ENT application run alone (default `http://localhost:<DEMO_APP_PORT>`)',
  },
  DEMO_APP_CLIENT_SECRET: {
    schema: z.string().min(32),
    default: 'dev-only-demo-app-client-secret-change-me',
    devSecret: 'demo-app',
    doc: 'client secret of the demo ENT application (client ent-demo-app; development only)',
  },
  METRICS: { schema: bool, default: true, doc: 'serve Prometheus metrics at /metrics' },
  METRICS_TOKEN: {
    schema: z.string().min(16).optional(),
    doc: 'when set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; required in production while METRICS is on, unless METRICS_PUBLIC',
  },
  METRICS_PUBLIC: {
    schema: bool,
    default: false,
    doc: 'production only: serve /metrics without METRICS_TOKEN (when only the monitoring network reaches it)',
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;
export type Settings = { [K in SettingName]: z.output<(typeof settings)[K]['schema']> };
