// The oidc-provider storage port, implemented once for every model it asks for (Session,
// Grant, AuthorizationCode, AccessToken, RefreshToken, Interaction, …) in the
// `oidc_artifacts` table. Clients come from `oidc_clients`. Expiry is honoured on read;
// expired rows are purged by the domain's maintenance job.
//
// Every token request goes through here several times (client, token, grant, session,
// rotation), so the statements are written once per database as plain parameterized SQL
// and run by `Database.execute` on the connection TypeORM opened, skipping its query builder,
// entity hydration and per-query QueryRunner (bench/token.ts, BENCHMARKS.md).
// Values are converted with the driver's own column conversions, so rows read and write
// exactly as the entity.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database, SqlParam } from '../db/index.js';
import { OidcArtifact } from '../db/entities/index.js';
import type { ClientStore } from './clients.js';

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** The account an artifact belongs to, so all of an account's artifacts can be revoked at once. */
function accountOf(payload: AdapterPayload): string | null {
  const p = payload as AdapterPayload & {
    session?: { accountId?: string };
    result?: { login?: { accountId?: string } };
  };
  return p.accountId ?? p.session?.accountId ?? p.result?.login?.accountId ?? null;
}

const COLUMNS = [
  'model',
  'id',
  'payload',
  'grantId',
  'uid',
  'userCode',
  'accountId',
  'expiresAt',
  'consumedAt',
] as const;
type Lookup = 'id' | 'uid' | 'userCode';

interface ArtifactStatements {
  upsert: string;
  find: Record<Lookup, string>;
  consume: string;
  destroy: string;
  revokeByGrantId: string;
  /** A Date as the driver stores a `datetime` column. */
  toDb(date: Date | null): SqlParam;
  /** A stored `datetime` back to a Date. */
  fromDb(value: unknown): Date | null;
}

const statementsByDb = new WeakMap<Database, ArtifactStatements>();

function statements(db: Database): ArtifactStatements {
  const cached = statementsByDb.get(db);
  if (cached) return cached;
  const { driver } = db.dataSource;
  const metadata = db.dataSource.getMetadata(OidcArtifact);
  const dateColumn = metadata.findColumnWithPropertyName('expiresAt')!;
  const q = (name: string) => driver.escape(name);
  const table = q(metadata.tableName);
  const column = (property: string) => q(metadata.findColumnWithPropertyName(property)!.databaseName);
  const [model, id, , grantId, uid, userCode, , expiresAt, consumedAt] = COLUMNS.map(column) as string[];
  const updated = COLUMNS.slice(2).map(column);
  const live = `(${expiresAt} IS NULL OR ${expiresAt} > ?)`;
  const find = (by: string) =>
    `SELECT ${column('payload')} AS payload, ${consumedAt} AS consumedAt FROM ${table} WHERE ${model} = ? AND ${by} = ? AND ${live}`;
  const built: ArtifactStatements = {
    upsert:
      `INSERT INTO ${table} (${COLUMNS.map(column).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ` +
      (db.kind === 'mysql'
        ? `ON DUPLICATE KEY UPDATE ${updated.map((c) => `${c} = VALUES(${c})`).join(', ')}`
        : `ON CONFLICT (${model}, ${id}) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`),
    find: { id: find(id!), uid: find(uid!), userCode: find(userCode!) },
    consume: `UPDATE ${table} SET ${consumedAt} = ? WHERE ${model} = ? AND ${id} = ?`,
    destroy: `DELETE FROM ${table} WHERE ${model} = ? AND ${id} = ?`,
    revokeByGrantId: `DELETE FROM ${table} WHERE ${grantId} = ?`,
    toDb: (date) => (date === null ? null : driver.preparePersistentValue(date, dateColumn)),
    fromDb: (value) =>
      value === null || value === undefined ? null : (driver.prepareHydratedValue(value, dateColumn) as Date),
  };
  statementsByDb.set(db, built);
  return built;
}

/**
 * The writes of one token request, held until it has its answer and then stored together
 * (`batchedWrites`): a refresh grant's three (old refresh token consumed, new one and the
 * access token stored) or a code exchange's, one transaction on MySQL (one round of
 * BEGIN … COMMIT on one connection, one log flush, instead of three autocommits) and one
 * group commit on SQLite. A read of the adapter during the request stores what is held
 * first, so the request reads its own writes as before. Nothing is answered before it is
 * stored: the middleware flushes before the response leaves (src/oidc/index.ts).
 */
class WriteBatch {
  private pending: [string, SqlParam[]][] = [];
  closed = false;

  constructor(private readonly db: Database) {}

  add(sql: string, params: SqlParam[]): void {
    this.pending.push([sql, params]);
  }

  get empty(): boolean {
    return this.pending.length === 0;
  }

  async flush(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    if (writes.length === 0) return;
    // One write is atomic alone: one prepared statement, as without a batch (client_credentials).
    if (writes.length === 1) {
      const [[sql, params]] = writes as [[string, SqlParam[]]];
      await this.db.execute(sql, params);
      return;
    }
    if (this.db.kind === 'mysql') return this.db.batch(writes);
    await Promise.all(writes.map(([sql, params]) => this.db.execute(sql, params)));
  }
}

/**
 * The request a provider call belongs to: oidc-provider's `Provider.ctx` (its own
 * AsyncLocalStorage, already entered for every request it handles), passed in by index.ts,
 * which loads the module. The batch hangs off that context, so no second async context is
 * tracked on every promise of the process.
 */
export type CurrentContext = () => object | undefined;

const batches = new WeakMap<object, WriteBatch>();

/**
 * Runs `work` (the provider handling `ctx`) with the adapter's writes held, then stores them
 * in one go; a write made after that (work left running) is stored at once, as without a
 * batch. Rejects when they could not be stored, after `work` has answered: the caller
 * replaces that answer with an error.
 */
export async function batchedWrites<T>(db: Database, ctx: object, work: () => Promise<T>): Promise<T> {
  const batch = new WriteBatch(db);
  batches.set(ctx, batch);
  try {
    return await work();
  } finally {
    batch.closed = true;
    batches.delete(ctx);
    await batch.flush();
  }
}

export class TypeOrmAdapter implements Adapter {
  private readonly sql: ArtifactStatements;

  constructor(
    private readonly db: Database,
    private readonly model: string,
    private readonly currentContext: CurrentContext = () => undefined,
  ) {
    this.sql = statements(db);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const { toDb } = this.sql;
    await this.write(this.sql.upsert, [
      this.model,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      accountOf(payload),
      toDb(expiresIn ? new Date(Date.now() + expiresIn * 1000) : null),
      toDb(payload.consumed ? new Date(Number(payload.consumed) * 1000) : null),
    ]);
  }

  /** The batch of the request this call belongs to, if it batches its writes. */
  private batch(): WriteBatch | undefined {
    const ctx = this.currentContext();
    return ctx ? batches.get(ctx) : undefined;
  }

  /** A write, held when the request batches them (`batchedWrites`). */
  private async write(sql: string, params: SqlParam[]): Promise<void> {
    const batch = this.batch();
    if (batch && !batch.closed) batch.add(sql, params);
    else await this.db.execute(sql, params);
  }

  private async findBy(by: Lookup, value: string): Promise<AdapterPayload | undefined> {
    const batch = this.batch();
    if (batch && !batch.empty) await batch.flush();
    const rows = (await this.db.execute(this.sql.find[by], [this.model, value, this.sql.toDb(new Date())])) as {
      payload: string;
      consumedAt: unknown;
    }[];
    const row = rows[0];
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    const consumedAt = this.sql.fromDb(row.consumedAt);
    if (consumedAt) payload.consumed = epoch(consumedAt);
    return payload;
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findBy('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy('userCode', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.write(this.sql.consume, [this.sql.toDb(new Date()), this.model, id]);
  }

  async destroy(id: string): Promise<void> {
    await this.write(this.sql.destroy, [this.model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.write(this.sql.revokeByGrantId, [grantId]);
  }
}
/** Clients are read from their own table; they are managed by the CLI, not by the provider. */
export class ClientAdapter implements Adapter {
  constructor(private readonly clients: ClientStore) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.clients.metadata(id)) as AdapterPayload | undefined;
  }

  async upsert(): Promise<void> {
    throw new Error('clients are managed with `ent-idp client`, not through the provider');
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async destroy(): Promise<void> {}

  async revokeByGrantId(): Promise<void> {}
}

export function adapterFactory(db: Database, clients: ClientStore, currentContext?: CurrentContext) {
  return (model: string): Adapter =>
    model === 'Client' ? new ClientAdapter(clients) : new TypeOrmAdapter(db, model, currentContext);
}
