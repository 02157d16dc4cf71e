// Databases, configuration and data for the benchmarks: a fresh SQLite file or a fresh
// MariaDB database per run, the environment the ent-idp server child is started with, and
// fast batched inserts for accounts and clients (done before the server starts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import mysql from 'mysql2/promise';
import type { ObjectLiteral, EntityTarget } from 'typeorm';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { Account } from '../../src/db/entities/index.js';
import { ClientStore } from '../../src/oidc/clients.js';
import { clientValidator } from '../../src/oidc/index.js';
import { freePort } from '../../test/helpers/server.js';

export { freePort };

export const REDIRECT_URI = 'https://app.example.test/callback';

/** OWASP's argon2id minimum (m=19 MiB, t=2, p=1): the production default. */
export const ARGON2_PRODUCTION = { ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2', ARGON2_PARALLELISM: '1' };
/** Cheap argon2 for benches where logins are only setup. */
export const ARGON2_CHEAP = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ARGON2_PARALLELISM: '1' };

export interface Target {
  kind: 'sqlite' | 'mysql';
  url: string;
  drop(): Promise<void>;
}

export function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-bench-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'bench.sqlite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306 (127.0.0.1 only). */
export const MYSQL_SERVER = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** A fresh database on the MariaDB server, or null (with the reason) when it is unreachable. */
export async function mysqlTarget(): Promise<Target | { unreachable: string }> {
  const base = new URL(MYSQL_SERVER);
  const connect = () =>
    mysql.createConnection({
      host: base.hostname,
      port: Number(base.port || 3306),
      user: decodeURIComponent(base.username),
      password: decodeURIComponent(base.password),
      connectTimeout: 2000,
    });
  const name = `entidp_bench_${randomBytes(5).toString('hex')}`;
  try {
    const admin = await connect();
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
  } catch (err) {
    return { unreachable: `${base.host}: ${(err as Error).message}` };
  }
  const url = new URL(MYSQL_SERVER);
  url.pathname = `/${name}`;
  return {
    kind: 'mysql',
    url: url.toString(),
    async drop() {
      const admin = await connect();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

export interface ServerEnvOptions {
  url: string;
  port: number;
  argon2: Record<string, string>;
  extra?: Record<string, string>;
}

/**
 * The ent-idp server's environment: test mode (config/test.json: silent log, no demo seed,
 * no purge timer) with argon2 given explicitly, and login throttling raised so a bench's
 * thousands of logins from 127.0.0.1 are not refused. Metrics stay on, as in production.
 */
export function serverEnv(o: ServerEnvOptions): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(o.port),
    ISSUER: `http://127.0.0.1:${o.port}`,
    DATABASE_URL: o.url,
    DATABASE_POOL_SIZE: '10',
    LOGIN_MAX_FAILURES: '1000',
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    DEMO: 'false',
    PURGE_INTERVAL: '0',
    MAIL_DIR: join(tmpdir(), `ent-idp-bench-mail-${o.port}`),
    ...o.argon2,
    ...o.extra,
  };
}

/** Opens (and migrates) the bench database with the server's own configuration. */
export async function openBenchDatabase(env: Record<string, string>): Promise<{ config: Config; db: Database }> {
  const config = loadConfig({ env });
  const db = await openDatabase(config.database);
  return { config, db };
}

/** Multi-row INSERTs of `size` rows, each batch in a transaction. */
export async function insertBatched<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  rows: T[],
  size = 500,
): Promise<void> {
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    await db.transaction((manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(part as never)
        .updateEntity(false)
        .execute(),
    );
  }
}

export async function registerClient(
  db: Database,
  config: Config,
  input: Parameters<ClientStore['save']>[0],
): Promise<string> {
  // oidc-provider warns about its development defaults when the validator is built: not ours.
  const warn = console.warn;
  console.warn = () => undefined;
  const validate = await clientValidator(config).finally(() => (console.warn = warn));
  const store = new ClientStore(db, config, validate);
  const { secret } = await store.save(input);
  if (!secret) throw new Error(`client ${input.clientId}: no secret`);
  return secret;
}

export interface BenchUsers {
  logins: string[];
  password: string;
}

/** `count` activated students sharing one password hash made at the configured argon2 cost. */
export async function insertUsers(db: Database, config: Config, count: number, prefix = 'bench'): Promise<BenchUsers> {
  const password = 'une phrase de passe pour le banc';
  const { memoryCost, timeCost, parallelism } = config.argon2;
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });
  const now = new Date();
  const rows: Account[] = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    login: `${prefix}.${i}`,
    firstName: 'Élève',
    lastName: `Banc${i}`,
    searchFirstName: 'eleve',
    searchLastName: `banc${i}`,
    birthDate: '2012-03-04',
    profile: 'Student',
    email: null,
    structureId: null,
    externalId: null,
    passwordHash,
    activatedAt: now,
    blockedAt: null,
    departedAt: null,
    lastLoginAt: null,
    passwordChangedAt: now,
    createdAt: now,
    updatedAt: now,
  }));
  await insertBatched(db, Account, rows);
  return { logins: rows.map((r) => r.login), password };
}
