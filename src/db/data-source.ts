// The TypeORM DataSource: embedded SQLite (default) or MySQL/MariaDB, chosen by DATABASE_URL.
import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ConfigError, type Config } from '../config/index.js';
import { migrations } from '../../migrations/index.js';
import { entities } from './entities/index.js';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'mysql'; url: URL };

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:data/ent-idp.sqlite');
    return { kind: 'sqlite', path };
  }
  if (/^(mysql|mariadb):\/\//.test(url) && URL.canParse(url)) {
    const parsed = new URL(url);
    if (!parsed.hostname || parsed.pathname.length < 2) {
      throw new ConfigError(
        'DATABASE_URL: a MySQL URL needs a host and a database, e.g. mysql://user:pass@127.0.0.1:3306/ent',
      );
    }
    return { kind: 'mysql', url: parsed };
  }
  throw new ConfigError('DATABASE_URL: must start with sqlite: or mysql:// (e.g. sqlite:data/ent-idp.sqlite)');
}

/** The URL with its password masked, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

function dataSourceOptions(database: Config['database']): DataSourceOptions {
  const target = parseDatabaseUrl(database.url);
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: false } as const;
  if (target.kind === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: target.path,
      enableWAL: target.path !== ':memory:',
      timeout: database.timeoutMs,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('foreign_keys = ON');
        db.pragma('synchronous = NORMAL');
        // SQLite's default page cache is 2 MiB; 32 MiB keeps the hot indexes of the token
        // and account tables in memory (bounded: it is a cap, not an allocation).
        db.pragma('cache_size = -32768');
        // After a burst the WAL file is cut back to 16 MiB when it restarts (sqlite-checkpoint.ts).
        db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
      },
    };
  }
  const { url } = target;
  return {
    ...common,
    type: 'mysql',
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    connectTimeout: database.timeoutMs,
    poolSize: database.poolSize,
    extra: { connectionLimit: database.poolSize, enableKeepAlive: true },
  };
}

export function createDataSource(database: Config['database']): DataSource {
  return new DataSource(dataSourceOptions(database));
}
