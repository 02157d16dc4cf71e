// Registered OIDC clients, stored in `oidc_clients` and validated with oidc-provider's own
// client schema. Client secrets are sealed at rest and shown once, when created.
//
// The provider reads the client on every token, introspection and authorization request, so
// `metadata()` keeps what it read for CLIENT_CACHE_TTL_MS (a few seconds): `save` and `remove`
// through this store take effect at once in this process, but a change made elsewhere (the
// `ent-idp client` CLI, another instance) reaches a running instance within that delay — a
// removed client or a replaced secret keeps working there for up to 5 s (README, CLI).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { OidcClient } from '../db/entities/index.js';
import { decrypt, deriveKey, encrypt } from '../domain/crypto.js';
import { DomainError } from '../domain/errors.js';

/** A client declaration that cannot be saved; the message is one line for the operator (CLI, CLIENTS_FILE). */
export class ClientRejected extends DomainError {
  override name = 'ClientRejected';
  constructor(code: 'invalid_client_metadata' | 'invalid_clients_file', message: string) {
    super('invalid', code, message);
  }
}

const clientInput = z.object({
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,100}$/, 'client_id: 3 to 100 letters, digits, dots, dashes or underscores'),
  name: z.string().min(1).max(200),
  type: z.enum(['confidential', 'public']).default('confidential'),
  redirectUris: z.array(z.string()).default([]),
  postLogoutRedirectUris: z.array(z.string()).default([]),
  grantTypes: z
    .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
    .default(['authorization_code', 'refresh_token']),
  scopes: z.array(z.string()).default(['openid', 'profile', 'email', 'ent', 'offline_access']),
  firstParty: z.boolean().default(false),
  /** May introspect other clients' access tokens (configuration.ts, mayIntrospect). */
  resourceServer: z.boolean().default(false),
  /** OpenID Connect Back-Channel Logout: where the application receives logout tokens. */
  backchannelLogoutUri: z.string().url('backchannel logout URI: an absolute URL').optional(),
  /** Logout tokens (and ID tokens) carry the session's `sid` (default: yes). */
  backchannelLogoutSessionRequired: z.boolean().default(true),
  /** Given for config-declared clients; generated otherwise. */
  secret: z.string().min(32, 'client secret: at least 32 characters').optional(),
});
export type ClientInput = z.input<typeof clientInput>;

export interface ClientSummary {
  clientId: string;
  name: string;
  type: 'confidential' | 'public';
  firstParty: boolean;
  resourceServer: boolean;
  backchannelLogoutUri: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scopes: string[];
}

type Metadata = Record<string, unknown>;
type Validator = (metadata: Metadata) => Promise<void>;

const secretKey = (config: Config) => deriveKey(config.secrets.keystoreEncryptionKey, 'client-secrets');

/** How long a client read from the database is reused by this process (see the top of the file). */
export const CLIENT_CACHE_TTL_MS = 5_000;

/** A client as read: the stored JSON and its unsealed secret (parsed per call: callers get their own object). */
interface CachedClient {
  /** The metadata as the provider gets it (secret unsealed), serialized once. */
  json: string;
  expires: number;
}

function toMetadata(input: z.output<typeof clientInput>, secret: string | undefined): Metadata {
  const metadata: Metadata = {
    client_id: input.clientId,
    client_name: input.name,
    redirect_uris: input.redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris,
    grant_types: input.grantTypes,
    response_types: input.grantTypes.includes('authorization_code') ? ['code'] : [],
    scope: input.scopes.join(' '),
    token_endpoint_auth_method: input.type === 'public' ? 'none' : 'client_secret_basic',
    ent_first_party: input.firstParty,
    ent_resource_server: input.resourceServer,
  };
  if (input.backchannelLogoutUri) {
    metadata.backchannel_logout_uri = input.backchannelLogoutUri;
    metadata.backchannel_logout_session_required = input.backchannelLogoutSessionRequired;
  }
  if (secret) metadata.client_secret = secret;
  return metadata;
}

export class ClientStore {
  /** Derived once: HKDF on every client lookup was a measurable share of a token request. */
  private readonly secretKey: Buffer;
  private readonly production: boolean;
  /** The provider reads a client on every token request: one plain SELECT (see adapter.ts). */
  private readonly selectMetadata: string;

  constructor(
    private readonly db: Database,
    config: Config,
    private readonly validate: Validator,
  ) {
    this.secretKey = secretKey(config);
    this.production = config.env === 'production';
    const q = (name: string) => db.dataSource.driver.escape(name);
    this.selectMetadata = `SELECT ${q('metadata')} AS metadata FROM ${q('oidc_clients')} WHERE ${q('clientId')} = ?`;
  }

  /**
   * Clients read in the last CLIENT_CACHE_TTL_MS: spares the SELECT and the AES unsealing on
   * every token request. Registered clients only (an unknown id is not kept, so random ids
   * cannot fill it); `generation` stops a read that raced with `save`/`remove` from storing
   * what it read before the change.
   */
  private readonly cache = new Map<string, CachedClient>();
  private generation = 0;

  /** Reads a client's metadata with its secret unsealed, as the provider needs it. */
  async metadata(clientId: string): Promise<Metadata | undefined> {
    let entry = this.cache.get(clientId);
    if (!entry || entry.expires <= Date.now()) {
      const generation = this.generation;
      const [row] = (await this.db.execute(this.selectMetadata, [clientId])) as { metadata: string }[];
      if (!row) {
        this.cache.delete(clientId);
        return undefined;
      }
      const stored = JSON.parse(row.metadata) as Metadata;
      const { client_secret_sealed: sealed, ...metadata } = stored;
      if (typeof sealed === 'string') metadata.client_secret = decrypt(this.secretKey, sealed, clientId);
      entry = { json: JSON.stringify(metadata), expires: Date.now() + CLIENT_CACHE_TTL_MS };
      if (generation === this.generation) this.cache.set(clientId, entry);
    }
    // A fresh object per call: the provider may keep or alter what it is given.
    return JSON.parse(entry.json) as Metadata;
  }

  /** Forgets what this process read: called after every change made through this store. */
  private invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Creates or replaces a client; returns the secret (generated when not given). */
  async save(raw: ClientInput): Promise<{ client: ClientSummary; secret?: string }> {
    const parsed = clientInput.safeParse(raw);
    if (!parsed.success)
      throw new ClientRejected(
        'invalid_client_metadata',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'client'}: ${i.message}`).join('; '),
      );
    const input = parsed.data;
    const secret = input.type === 'confidential' ? (input.secret ?? randomBytes(32).toString('base64url')) : undefined;
    // An application may be down when it is registered (the URI is not called now), but in
    // production its logout tokens travel over TLS only.
    if (this.production && input.backchannelLogoutUri && !input.backchannelLogoutUri.startsWith('https://')) {
      throw new ClientRejected('invalid_client_metadata', 'backchannel logout URI: must be https:// in production');
    }
    const metadata = toMetadata(input, secret);
    try {
      await this.validate(metadata);
    } catch (err) {
      const e = err as { error_description?: string; message: string };
      throw new ClientRejected('invalid_client_metadata', e.error_description ?? e.message);
    }
    const stored = { ...metadata };
    if (secret) {
      delete stored.client_secret;
      stored.client_secret_sealed = encrypt(this.secretKey, secret, input.clientId);
    }
    const now = new Date();
    const existing = await this.db.read((manager) => manager.findOneBy(OidcClient, { clientId: input.clientId }));
    // An upsert, not a read-then-insert: instances starting together on an empty database all
    // register the admin and demo clients, and none may fail on the other's insert.
    await this.db.transaction((manager) =>
      manager.upsert(
        OidcClient,
        {
          clientId: input.clientId,
          metadata: JSON.stringify(stored),
          firstParty: input.firstParty,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        },
        { conflictPaths: ['clientId'], skipUpdateIfNoValuesChanged: false },
      ),
    );
    this.invalidate();
    return { client: summarize(metadata, input.firstParty), secret };
  }

  async list(): Promise<ClientSummary[]> {
    const rows = await this.db.read((manager) => manager.find(OidcClient, { order: { clientId: 'ASC' } }));
    return rows.map((row) => summarize(JSON.parse(row.metadata) as Metadata, row.firstParty));
  }

  async remove(clientId: string): Promise<boolean> {
    const result = await this.db.transaction((manager) => manager.delete(OidcClient, { clientId }));
    this.invalidate();
    return (result.affected ?? 0) > 0;
  }

  /** Applies a JSON file of client declarations (an array of ClientInput with secrets). */
  async applyFile(path: string): Promise<number> {
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ClientRejected('invalid_clients_file', `${path}: ${(err as Error).message}`);
    }
    if (!Array.isArray(list))
      throw new ClientRejected('invalid_clients_file', `${path}: expected a JSON array of clients`);
    for (const entry of list) await this.save(entry as ClientInput);
    return list.length;
  }
}

function summarize(m: Metadata, firstParty: boolean): ClientSummary {
  return {
    clientId: String(m.client_id),
    name: String(m.client_name ?? m.client_id),
    type: m.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    firstParty,
    resourceServer: m.ent_resource_server === true,
    backchannelLogoutUri: typeof m.backchannel_logout_uri === 'string' ? m.backchannel_logout_uri : null,
    redirectUris: (m.redirect_uris as string[]) ?? [],
    postLogoutRedirectUris: (m.post_logout_redirect_uris as string[]) ?? [],
    grantTypes: (m.grant_types as string[]) ?? [],
    scopes: String(m.scope ?? '')
      .split(' ')
      .filter(Boolean),
  };
}
