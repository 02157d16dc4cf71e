// The registry of SAML service providers, beside the CAS one (domain/cas/services.ts) and
// behind the same `ent-idp service add|list|remove`: an SP is found by its entity id and
// described by its metadata (ACS URLs, certificates, AuthnRequestsSigned), not by URL
// prefixes, so the two do not share a table; the CLI keeps ids unique across both.
import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/index.js';
import { SamlService } from '../../db/entities/index.js';
import { findOneBy } from '../../db/row-reader.js';
import type { Audit } from '../audit.js';
import { DomainError } from '../errors.js';
import { ServiceRejected } from '../cas/services.js';
import { MetadataRejected, parseSpMetadata, type SpMetadata } from './metadata.js';

export const NAME_ID_FORMATS = ['persistent', 'identifiant'] as const;
export type NameIdFormat = (typeof NAME_ID_FORMATS)[number];
export const SAML_ATTRIBUTE_PROFILES = ['gar'] as const;
export type SamlAttributeProfile = (typeof SAML_ATTRIBUTE_PROFILES)[number];

export interface RegisteredSp {
  id: string;
  name: string;
  protocol: 'saml';
  entityId: string;
  metadata: SpMetadata;
  nameIdFormat: NameIdFormat;
  attributeProfile: SamlAttributeProfile | null;
}

/** An SP as `service list` shows it: `refused` says why it cannot be used, if it cannot. */
export type ListedSp = Omit<RegisteredSp, 'metadata'> & { refused: string | null };

export interface SpInput {
  id: string;
  name: string;
  metadataXml: string;
  nameIdFormat?: string | null;
  attributeProfile?: string | null;
}

export interface SamlServices {
  /** Creates or replaces an SP; audited. */
  save(input: SpInput): Promise<RegisteredSp>;
  /** Every SP, those whose stored metadata today's rules refuse included (with the reason). */
  list(): Promise<ListedSp[]>;
  /** False when there was no such SP; audited. */
  remove(id: string): Promise<boolean>;
  byId(id: string): Promise<RegisteredSp | null>;
  byEntityId(entityId: string): Promise<RegisteredSp | null>;
}

const ID = /^[A-Za-z0-9._-]{2,100}$/;

/**
 * Stored metadata that today's rules refuse (registered before a rule was added, e.g. a
 * garbage encryption certificate): the SP cannot be used until it is registered again.
 */
export class StoredMetadataRefused extends DomainError {
  override name = 'StoredMetadataRefused';
  constructor(id: string, reason: string) {
    super(
      'invalid',
      'invalid_saml_metadata',
      'Cette application est mal enregistrée dans CONNEXION : la connexion ne peut pas continuer. Prévenez l’administrateur de l’ENT.',
      { detail: `SAML service ${id}: ${reason}; register it again (service add)` },
    );
  }
}

function parseStored(row: SamlService): SpMetadata {
  try {
    return parseSpMetadata(row.metadata);
  } catch (err) {
    if (err instanceof MetadataRejected) throw new StoredMetadataRefused(row.id, err.message);
    throw err;
  }
}

/**
 * The parsed metadata of each SP, kept with the XML it was parsed from: every lookup still
 * reads the row (so a `service add` or `remove` run by the CLI in another process is seen at
 * the next request, with no TTL and no notification), and parses again only when the stored
 * XML is not the one in hand (bench/saml.ts). One entry per SP ever looked up: a handful.
 */
function metadataCache() {
  const parsed = new Map<string, { xml: string; metadata: SpMetadata }>();
  const metadataOf = (row: SamlService) => {
    const cached = parsed.get(row.id);
    if (cached?.xml === row.metadata) return cached.metadata;
    const metadata = parseStored(row);
    parsed.set(row.id, { xml: row.metadata, metadata });
    return metadata;
  };
  const describe = (row: SamlService): Omit<RegisteredSp, 'metadata'> => ({
    id: row.id,
    name: row.name,
    protocol: 'saml',
    entityId: row.entityId,
    nameIdFormat: row.nameIdFormat as NameIdFormat,
    attributeProfile: (row.attributeProfile as SamlAttributeProfile | null) ?? null,
  });
  return {
    present: (row: SamlService): RegisteredSp => ({ ...describe(row), metadata: metadataOf(row) }),
    /** One refused SP must not hide the others from the operator who has to register it again. */
    listed(row: SamlService): ListedSp {
      try {
        metadataOf(row);
        return { ...describe(row), refused: null };
      } catch (err) {
        if (!(err instanceof StoredMetadataRefused)) throw err;
        return { ...describe(row), refused: err.message };
      }
    },
  };
}

export function createSamlServices(db: Database, audit: Audit): SamlServices {
  const record = (manager: EntityManager, action: string, id: string, detail: Record<string, unknown> = {}) =>
    audit.record(manager, { action, outcome: 'success', detail: { serviceId: id, via: 'cli', ...detail } });

  const { present, listed } = metadataCache();
  const rowById = findOneBy(db, SamlService, 'id');
  const rowByEntityId = findOneBy(db, SamlService, 'entityId');

  return {
    async save(input) {
      if (!ID.test(input.id))
        throw new ServiceRejected('service id: 2 to 100 letters, digits, dots, dashes or underscores');
      const name = input.name.trim();
      if (!name || name.length > 200) throw new ServiceRejected('name: 1 to 200 characters');
      let metadata: SpMetadata;
      try {
        metadata = parseSpMetadata(input.metadataXml);
      } catch (err) {
        if (err instanceof MetadataRejected) throw new ServiceRejected(err.message);
        throw err;
      }
      if (metadata.entityId.length > 255) throw new ServiceRejected('metadata: entityID longer than 255 characters');
      const nameIdFormat = input.nameIdFormat ?? 'persistent';
      if (!(NAME_ID_FORMATS as readonly string[]).includes(nameIdFormat))
        throw new ServiceRejected(`NameID format "${nameIdFormat}": one of ${NAME_ID_FORMATS.join(', ')}`);
      const profile = input.attributeProfile ?? null;
      if (profile !== null && !(SAML_ATTRIBUTE_PROFILES as readonly string[]).includes(profile))
        throw new ServiceRejected(`attribute profile "${profile}": one of ${SAML_ATTRIBUTE_PROFILES.join(', ')}`);
      const row = {
        id: input.id,
        name,
        entityId: metadata.entityId,
        metadata: input.metadataXml,
        nameIdFormat,
        attributeProfile: profile,
      };
      await db.transaction(async (manager) => {
        const clash = await manager.findOneBy(SamlService, { entityId: metadata.entityId });
        if (clash && clash.id !== input.id)
          throw new ServiceRejected(`entity id "${metadata.entityId}" is already registered as "${clash.id}"`);
        const existing = await manager.findOneBy(SamlService, { id: input.id });
        if (existing) await manager.update(SamlService, { id: input.id }, row);
        else await manager.insert(SamlService, { ...row, createdAt: new Date() });
        await record(manager, 'saml.service_save', input.id, { entityId: metadata.entityId });
      });
      return {
        ...row,
        protocol: 'saml',
        metadata,
        nameIdFormat: nameIdFormat as NameIdFormat,
        attributeProfile: profile as SamlAttributeProfile | null,
      };
    },
    list: async () => (await db.read((manager) => manager.find(SamlService, { order: { id: 'ASC' } }))).map(listed),
    remove: (id) =>
      db.transaction(async (manager) => {
        const result = await manager.delete(SamlService, { id });
        if (!result.affected) return false;
        await record(manager, 'saml.service_remove', id);
        return true;
      }),
    async byId(id) {
      const row = await rowById(id);
      return row ? present(row) : null;
    },
    async byEntityId(entityId) {
      if (!entityId || entityId.length > 255) return null;
      const row = await rowByEntityId(entityId);
      return row ? present(row) : null;
    },
  };
}
