// A fresh, migrated database per test file: a temporary SQLite file by default, or a new
// MySQL/MariaDB database on the server named by TEST_DATABASE_URL (e.g.
// mysql://root@127.0.0.1:3306/test), dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/index.js';

export interface TestDatabase {
  url: string;
  kind: 'sqlite' | 'mysql';
  /** Drops the database (MySQL) or removes the file (SQLite). Close connections first. */
  drop(): Promise<void>;
}

export const usingMysql = (): boolean => /^(mysql|mariadb):/.test(process.env.TEST_DATABASE_URL ?? '');

export async function createTestDatabaseUrl(): Promise<TestDatabase> {
  const server = process.env.TEST_DATABASE_URL;
  if (server && usingMysql()) {
    const base = new URL(server);
    const name = `entidp_t_${randomBytes(6).toString('hex')}`;
    const admin = await mysql.createConnection({
      host: base.hostname,
      port: Number(base.port || 3306),
      user: decodeURIComponent(base.username),
      password: decodeURIComponent(base.password),
    });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: 'mysql',
      async drop() {
        const c = await mysql.createConnection({
          host: base.hostname,
          port: Number(base.port || 3306),
          user: decodeURIComponent(base.username),
          password: decodeURIComponent(base.password),
        });
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-test-'));
  return {
    url: `sqlite:${join(dir, 'test.sqlite')}`,
    kind: 'sqlite',
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens a fresh migrated database; call `cleanup()` in afterAll. */
export async function openTestDatabase(
  options: OpenOptions = {},
): Promise<{ db: Database; url: string; cleanup(): Promise<void> }> {
  const target = await createTestDatabaseUrl();
  const db = await openDatabase({ url: target.url, poolSize: 5, timeoutMs: 5000 }, options);
  return {
    db,
    url: target.url,
    async cleanup() {
      await db.close();
      await target.drop();
    },
  };
}
