// Builds the one typed settings object: environment > config/<NODE_ENV>.json >
// config/default.json > built-in defaults. Invalid input throws a ConfigError whose
// message is one line naming the setting.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings, type Setting, type SettingName, type Settings } from './settings.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  env: Settings['NODE_ENV'];
  port: number;
  host: string;
  issuer: string;
  database: { url: string; poolSize: number; timeoutMs: number };
  /** Deadline of a request, in ms (src/http/deadline.ts). */
  requestTimeoutMs: number;
  secrets: { cookieKeys: string[]; codeEncryptionKey: Buffer; keystoreEncryptionKey: Buffer };
  trustProxy: boolean;
  /** With trustProxy: the proxies in front that append to X-Forwarded-For (src/http/proxy.ts). */
  proxyHops: number;
  logLevel: Settings['LOG_LEVEL'];
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  passwords: { minLength: number };
  codes: { activationTtl: number; schoolYearStart: string; renewalTtl: number; resetLinkTtl: number };
  throttle: { maxFailures: number; maxFailuresPerIp: number; window: number };
  /** « Mot de passe oublié » and « Identifiant oublié » (src/domain/recovery-throttle.ts). */
  recoveryThrottle: { maxPerIp: number; maxPerAddress: number; window: number };
  ttl: {
    authorizationCode: number;
    accessToken: number;
    idToken: number;
    clientCredentials: number;
    refreshToken: number;
    session: number;
    rememberMe: number;
    interaction: number;
    grant: number;
  };
  admin: { audience: string; issuer: string; clientId: string; clientSecret: string };
  /** `mode` is MAIL, resolved: `smtp` needs smtpUrl; `files` writes to `dir`; `disabled` sends nothing. */
  mail: { mode: 'smtp' | 'files' | 'disabled'; smtpUrl?: string; from: string; dir: string };
  demo: boolean;
  /** The ENT portal's sign-in start that GET /connexion forwards to (with `login_hint`). */
  entLoginUrl?: string;
  /** The accessibility statement's contact (an e-mail address or a URL). */
  accessibilityContact?: string;
  purgeInterval: number;
  /** Hours between `keys rotate` and the new keys signing (published meanwhile). */
  signingKeyLeadHours: number;
  auditRetentionDays: number;
  /** Days a departed account (rollover) is kept before the purge deletes it. */
  departedRetentionDays: number;
  /** Seconds a back-channel logout is retried (oidc/backchannel.ts). */
  backchannelLogoutRetry: number;
  /** CAS (src/cas): service ticket lifetime in seconds. */
  cas: { ticketTtl: number };
  saml: { garIdEnt: string | null };
  /** ÉduConnect federation (our SAML SP side); null when not configured. */
  educonnect: {
    metadata: string;
    maxAgeSeconds: number;
    refIdAttribute: string;
    /** Seconds between two readings of the metadata; 0: at start only. */
    metadataRefreshSeconds: number;
  } | null;
  /** OIDC clients declared in a file, applied at start. */
  clientsFile?: string;
  /** The demo ENT application (development; `npm run demo:app` runs it alone). */
  demoApp: { port: number; url: string; clientId: string; clientSecret: string };
  metrics: { enabled: boolean; token?: string };
  /** Raw validated settings, for documentation and diagnostics. */
  settings: Settings;
}

type Source = Record<string, unknown>;

function readJson(path: string): Source {
  if (!existsSync(path)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Source;
  } catch (err) {
    throw new ConfigError(`${path}: invalid JSON (${(err as Error).message})`);
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder holding default.json and <NODE_ENV>.json. */
  configDir?: string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env.CONFIG_DIR ?? join(process.cwd(), 'config');
  const nodeEnv = env.NODE_ENV ?? 'development';
  const files = { ...readJson(join(dir, 'default.json')), ...readJson(join(dir, `${nodeEnv}.json`)) };

  const values = {} as Record<SettingName, unknown>;
  for (const key of Object.keys(files)) {
    if (!(key in settings) && !key.startsWith('$')) throw new ConfigError(`${key}: unknown setting in ${dir}`);
  }
  for (const [name, setting] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
    const raw =
      env[name] !== undefined && env[name] !== ''
        ? env[name]
        : (files[name] ?? ('default' in setting ? setting.default : undefined));
    const result = setting.schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ConfigError(`${name}: ${issue?.message ?? 'invalid value'}`);
    }
    values[name] = result.data;
  }
  const s = values as Settings;
  const config = toConfig(s);
  if (config.mail.mode === 'smtp' && !config.mail.smtpUrl) throw new ConfigError('SMTP_URL: required when MAIL=smtp');
  // An https issuer is a server others reach, whatever NODE_ENV says: no public secret there.
  if (s.NODE_ENV === 'production' || isHttps(s.ISSUER)) assertNoDevelopmentSecrets(s);
  if (s.NODE_ENV === 'production') assertProductionReady(s, config);
  return config;
}

const isHttps = (url: string) => url.startsWith('https://');

function toConfig(s: Settings): Config {
  const issuer = s.ISSUER.replace(/\/+$/, '');
  return {
    env: s.NODE_ENV,
    port: s.PORT,
    host: s.HOST,
    issuer,
    database: { url: s.DATABASE_URL, poolSize: s.DATABASE_POOL_SIZE, timeoutMs: s.DATABASE_TIMEOUT_MS },
    requestTimeoutMs: s.REQUEST_TIMEOUT_MS,
    secrets: {
      cookieKeys: s.COOKIE_KEYS,
      codeEncryptionKey: s.CODE_ENCRYPTION_KEY,
      keystoreEncryptionKey: s.KEYSTORE_ENCRYPTION_KEY,
    },
    trustProxy: s.TRUST_PROXY,
    proxyHops: s.PROXY_HOPS,
    logLevel: s.LOG_LEVEL,
    argon2: { memoryCost: s.ARGON2_MEMORY_KIB, timeCost: s.ARGON2_TIME_COST, parallelism: s.ARGON2_PARALLELISM },
    passwords: { minLength: s.PASSWORD_MIN_LENGTH },
    codes: {
      activationTtl: s.ACTIVATION_CODE_TTL,
      schoolYearStart: s.SCHOOL_YEAR_START,
      renewalTtl: s.RENEWAL_CODE_TTL,
      resetLinkTtl: s.RESET_LINK_TTL,
    },
    throttle: {
      maxFailures: s.LOGIN_MAX_FAILURES,
      maxFailuresPerIp: s.LOGIN_MAX_FAILURES_PER_IP,
      window: s.LOGIN_WINDOW,
    },
    recoveryThrottle: {
      maxPerIp: s.RECOVERY_MAX_PER_IP,
      maxPerAddress: s.RECOVERY_MAX_PER_ADDRESS,
      window: s.RECOVERY_WINDOW,
    },
    ttl: {
      authorizationCode: s.AUTHORIZATION_CODE_TTL,
      accessToken: s.ACCESS_TOKEN_TTL,
      idToken: s.ID_TOKEN_TTL,
      clientCredentials: s.CLIENT_CREDENTIALS_TTL,
      refreshToken: s.REFRESH_TOKEN_TTL,
      session: s.SESSION_TTL,
      rememberMe: s.REMEMBER_ME_TTL,
      interaction: s.INTERACTION_TTL,
      grant: s.GRANT_TTL,
    },
    admin: {
      audience: s.ADMIN_API_AUDIENCE ?? `${issuer}/admin/api`,
      issuer: (s.ADMIN_ISSUER ?? issuer).replace(/\/+$/, ''),
      clientId: s.ADMIN_CLIENT_ID,
      clientSecret: s.ADMIN_CLIENT_SECRET,
    },
    mail: { mode: s.MAIL ?? (s.SMTP_URL ? 'smtp' : 'files'), smtpUrl: s.SMTP_URL, from: s.MAIL_FROM, dir: s.MAIL_DIR },
    // The demo school has published passwords: on by default only on a plain-http
    // (development) issuer; an https one seeds it only when DEMO is set; production never.
    demo: s.NODE_ENV !== 'production' && (s.DEMO ?? !isHttps(issuer)),
    entLoginUrl: s.ENT_LOGIN_URL,
    accessibilityContact: s.ACCESSIBILITY_CONTACT,
    purgeInterval: s.PURGE_INTERVAL,
    signingKeyLeadHours: s.SIGNING_KEY_LEAD_HOURS,
    auditRetentionDays: s.AUDIT_RETENTION_DAYS,
    departedRetentionDays: s.DEPARTED_RETENTION_DAYS,
    backchannelLogoutRetry: s.BACKCHANNEL_LOGOUT_RETRY,
    cas: { ticketTtl: s.CAS_TICKET_TTL },
    saml: { garIdEnt: s.SAML_GAR_ID_ENT ?? null },
    educonnect: s.EDUCONNECT_IDP_METADATA
      ? {
          metadata: s.EDUCONNECT_IDP_METADATA,
          maxAgeSeconds: s.EDUCONNECT_MAX_AGE,
          refIdAttribute: s.EDUCONNECT_REFID_ATTRIBUTE,
          metadataRefreshSeconds: s.EDUCONNECT_METADATA_REFRESH,
        }
      : null,
    clientsFile: s.CLIENTS_FILE,
    demoApp: {
      port: s.DEMO_APP_PORT,
      url: (s.DEMO_APP_URL ?? `http://localhost:${s.DEMO_APP_PORT}`).replace(/\/+$/, ''),
      clientId: 'ent-demo-app',
      clientSecret: s.DEMO_APP_CLIENT_SECRET,
    },
    metrics: { enabled: s.METRICS, token: s.METRICS_TOKEN },
    settings: s,
  };
}

/**
 * Refuses the published development value of every `devSecret` setting, in whatever form it
 * is given: the parsed values are compared (32-byte keys as bytes, so upper-case hex or base64
 * of a development key is caught; each key of a list on its own).
 */
function assertNoDevelopmentSecrets(s: Settings): void {
  for (const [name, setting] of Object.entries(settings) as [SettingName, Setting][]) {
    if (!setting.devSecret) continue;
    // The demo application, and so its client secret, is only served outside production.
    if (setting.devSecret === 'demo-app' && s.NODE_ENV === 'production') continue;
    const published = new Set(secretParts(setting.schema.parse(setting.default)));
    if (secretParts(s[name]).some((part) => published.has(part) || part.includes('dev-only'))) {
      throw new ConfigError(
        `${name}: the development default cannot be used in production or with an https ISSUER; set a secret value`,
      );
    }
  }
}

/** A secret setting's value as comparable strings: a key as hex, a list as its items. */
function secretParts(value: unknown): string[] {
  if (Buffer.isBuffer(value)) return [value.toString('hex')];
  if (Array.isArray(value)) return value.flatMap(secretParts);
  return [String(value)];
}

function assertProductionReady(s: Settings, config: Config): void {
  if (!isHttps(s.ISSUER)) throw new ConfigError('ISSUER: must be an https:// URL in production');
  // Reset links are bearer credentials: not left in files on the server.
  if (config.mail.mode === 'files')
    throw new ConfigError('SMTP_URL: required in production (or MAIL=disabled to send no mail)');
  if (config.metrics.enabled && !config.metrics.token && !s.METRICS_PUBLIC) {
    throw new ConfigError(
      'METRICS_TOKEN: required in production while METRICS is on (or METRICS_PUBLIC=true, or METRICS=false)',
    );
  }
}
