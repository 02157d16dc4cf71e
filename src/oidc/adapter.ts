// The oidc-provider storage port, implemented once over TypeORM for every model it asks for
// (Session, Grant, AuthorizationCode, AccessToken, RefreshToken, Interaction, …) in the
// `oidc_artifacts` table. Clients come from `oidc_clients`. Expiry is honoured on read;
// expired rows are purged by the domain's maintenance job.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { Brackets } from 'typeorm';
import type { Database } from '../db/index.js';
import { OidcArtifact } from '../db/entities/index.js';
import type { ClientStore } from './clients.js';

const now = () => new Date();
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** The account an artifact belongs to, so all of an account's artifacts can be revoked at once. */
function accountOf(payload: AdapterPayload): string | null {
  const p = payload as AdapterPayload & { session?: { accountId?: string }; result?: { login?: { accountId?: string } } };
  return p.accountId ?? p.session?.accountId ?? p.result?.login?.accountId ?? null;
}

export class TypeOrmAdapter implements Adapter {
  constructor(private readonly db: Database, private readonly model: string) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row: OidcArtifact = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grantId: payload.grantId ?? null,
      uid: payload.uid ?? null,
      userCode: payload.userCode ?? null,
      accountId: accountOf(payload),
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      consumedAt: payload.consumed ? new Date(Number(payload.consumed) * 1000) : null,
    };
    await this.db.manager.upsert(OidcArtifact, row, { conflictPaths: ['model', 'id'], skipUpdateIfNoValuesChanged: false });
  }

  private async findOne(where: string, params: Record<string, unknown>): Promise<AdapterPayload | undefined> {
    const row = await this.db.manager
      .createQueryBuilder(OidcArtifact, 'a')
      .select(['a.payload', 'a.consumedAt'])
      .where('a.model = :model', { model: this.model })
      .andWhere(where, params)
      .andWhere(new Brackets((q) => q.where('a.expiresAt IS NULL').orWhere('a.expiresAt > :now', { now: now() })))
      .getOne();
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumedAt) payload.consumed = epoch(row.consumedAt);
    return payload;
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findOne('a.id = :id', { id });
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findOne('a.uid = :uid', { uid });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findOne('a.userCode = :userCode', { userCode });
  }

  async consume(id: string): Promise<void> {
    await this.db.manager.update(OidcArtifact, { model: this.model, id }, { consumedAt: now() });
  }

  async destroy(id: string): Promise<void> {
    await this.db.manager.delete(OidcArtifact, { model: this.model, id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.manager.delete(OidcArtifact, { grantId });
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

export function adapterFactory(db: Database, clients: ClientStore) {
  return (model: string): Adapter => (model === 'Client' ? new ClientAdapter(clients) : new TypeOrmAdapter(db, model));
}
