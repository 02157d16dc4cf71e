// A real ent-idp server on 127.0.0.1 over a fresh test database (SQLite, or MariaDB with
// TEST_DATABASE_URL), for integration tests that talk HTTP to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createServer, type EntIdpServer } from '../../src/server.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { openDatabase } from '../../src/db/index.js';
import { createTestDatabaseUrl, type TestDatabase } from './db.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  server: EntIdpServer;
  config: Config;
  url: string;
  database: TestDatabase;
  /** Stops the server and (unless kept) drops the database. */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Reuse a database (restart tests). */
  database?: TestDatabase;
  port?: number;
  /** A logger of its own (e.g. `createLogger('trace', stream)` to capture every line). */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabaseUrl());
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // A directory of its own: one keyed on the port could hold an earlier server's mails (ports are
  // reused across test files and CI stages), and a test would follow a stale link.
  const mailDir = mkdtempSync(join(tmpdir(), 'ent-idp-mail-'));
  const config = loadConfig({
    env: {
      NODE_ENV: 'test',
      ISSUER: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      MAIL_DIR: mailDir,
      ...options.env,
    },
  });
  const db = await openDatabase(config.database);
  const server = await createServer(config, {
    db,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  await server.listen(port, '127.0.0.1');
  return {
    server,
    config,
    url,
    database,
    async stop(stopOptions = {}) {
      await server.close();
      await db.close();
      if (!stopOptions.keepDatabase) await database.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
