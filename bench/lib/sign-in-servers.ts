// What the login benches sign people in to: the seeded database (64 accounts, one client),
// ent-idp from dist/ (server-child.mjs) and the bare oidc-provider (bare-provider-child.mjs),
// each started idle, with its pid and libuv pool threads so a load generator can read their
// CPU by thread (threads.mjs).
import { startChild } from './proc.js';
import {
  ARGON2_PRODUCTION,
  freePort,
  insertUsers,
  openBenchDatabase,
  REDIRECT_URI,
  registerClient,
  serverEnv,
  sqliteTarget,
  type Target,
} from './setup.js';

interface Ready {
  type: 'ready';
  url: string;
  pid: number;
  poolTids: number[];
}

export const BARE_SECRET = 'bench-app-secret-0123456789abcdefghijklmnop';

/** A server under measurement, started and idle: its pid and libuv pool threads (threads.mjs). */
export interface SignInServer {
  url: string;
  pid: number;
  poolTids: number[];
  stop(): Promise<void>;
}

export async function startServer(script: string, options: Parameters<typeof startChild>[1]): Promise<SignInServer> {
  const child = startChild(script, options);
  try {
    const { url, pid, poolTids } = await child.next<Ready>('ready', 60_000);
    return { url, pid, poolTids, stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** A bare oidc-provider (`bench/lib/bare-provider-child.mjs`) with the bench's client. */
export async function startBare(o: {
  clientId: string;
  /** The simplest durable adapter (bare-sqlite-adapter.mjs) on this file, instead of memory. */
  sqlite?: string;
  /** ARGON2_* and UV_THREADPOOL_SIZE: its form's submission verifies an argon2id password. */
  argon2?: Record<string, string>;
}): Promise<SignInServer> {
  const port = await freePort();
  const clients = [
    {
      client_id: o.clientId,
      client_secret: BARE_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid profile',
    },
  ];
  return startServer('lib/bare-provider-child.mjs', {
    env: {
      PORT: String(port),
      BENCH_CLIENTS: JSON.stringify(clients),
      BENCH_POOL_THREADS: '1',
      ...(o.argon2 ? { BARE_ARGON2: '1', ...o.argon2 } : {}),
      ...(o.sqlite ? { BARE_SQLITE: o.sqlite } : {}),
    },
  });
}

/** What the login bench seeded: the database, ent-idp's environment, the accounts and the client. */
export interface SignInSetup {
  target: Target;
  env: Record<string, string>;
  logins: string[];
  password: string;
  clientId: string;
  secret: string;
}

/** Seeds a fresh SQLite database as the login bench does: 64 accounts at the production argon2 cost, one client. */
export async function seedSignIns(threadpool = '4'): Promise<SignInSetup> {
  const target = sqliteTarget();
  const port = await freePort();
  const env = {
    ...serverEnv({ url: target.url, port, argon2: ARGON2_PRODUCTION }),
    UV_THREADPOOL_SIZE: threadpool,
    BENCH_POOL_THREADS: '1',
  };
  const { config, db } = await openBenchDatabase(env);
  const users = await insertUsers(db, config, 64);
  const clientId = 'bench-app';
  const secret = await registerClient(db, config, {
    clientId,
    name: 'Banc',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  await db.close();
  return { target, env, logins: users.logins, password: users.password, clientId, secret };
}
