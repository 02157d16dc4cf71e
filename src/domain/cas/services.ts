// The registry of CAS services (`ent-idp service add|list|remove`): which applications may
// receive service tickets, at which URLs, and what they learn. A service URL is admitted by
// the first registered prefix it matches (service-url.ts); an unknown one gets an error page,
// never a redirect.
import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/index.js';
import { CasService } from '../../db/entities/index.js';
import type { Audit } from '../audit.js';
import { DomainError } from '../errors.js';
import { ATTRIBUTE_PROFILES, DEFAULT_ATTRIBUTES, type AttributeName, type AttributeProfile } from './attributes.js';
import { parseServiceUrl, serviceMatchesPrefix } from './service-url.js';

export interface RegisteredService {
  id: string;
  name: string;
  protocol: 'cas';
  serviceUrls: string[];
  attributes: AttributeName[];
  attributeProfile: AttributeProfile | null;
}

export interface ServiceInput {
  id: string;
  name: string;
  protocol: string;
  serviceUrls: string[];
  attributes?: string[];
  attributeProfile?: string | null;
}

/** A service declaration that cannot be saved (an operator's mistake: English, like the CLI). */
export class ServiceRejected extends DomainError {
  override name = 'ServiceRejected';
  constructor(message: string) {
    super('invalid', 'invalid_service', message);
  }
}

export interface CasServices {
  /** Creates or replaces a service; audited. */
  save(input: ServiceInput): Promise<RegisteredService>;
  list(): Promise<RegisteredService[]>;
  /** False when there was no such service; audited. */
  remove(id: string): Promise<boolean>;
  byId(id: string): Promise<RegisteredService | null>;
  /** The registered service admitting this URL, or null. */
  admitting(serviceUrl: string): Promise<RegisteredService | null>;
}

const ID = /^[A-Za-z0-9._-]{2,100}$/;

function present(row: CasService): RegisteredService {
  return {
    id: row.id,
    name: row.name,
    protocol: 'cas',
    serviceUrls: JSON.parse(row.serviceUrls) as string[],
    attributes: JSON.parse(row.attributes) as AttributeName[],
    attributeProfile: (row.attributeProfile as AttributeProfile | null) ?? null,
  };
}

export function validateService(input: ServiceInput): Omit<RegisteredService, 'protocol'> & { protocol: 'cas' } {
  if (!ID.test(input.id))
    throw new ServiceRejected('service id: 2 to 100 letters, digits, dots, dashes or underscores');
  if (input.protocol !== 'cas') throw new ServiceRejected(`protocol "${input.protocol}": only "cas" is supported`);
  const name = input.name.trim();
  if (!name || name.length > 200) throw new ServiceRejected('name: 1 to 200 characters');
  if (!input.serviceUrls.length) throw new ServiceRejected('at least one --service-url is needed');
  for (const url of input.serviceUrls) {
    if (!parseServiceUrl(url))
      throw new ServiceRejected(`service URL "${url}": an absolute http(s) URL without credentials`);
  }
  const attributes = input.attributes?.length ? input.attributes : [...DEFAULT_ATTRIBUTES];
  for (const a of attributes) {
    if (!(DEFAULT_ATTRIBUTES as readonly string[]).includes(a))
      throw new ServiceRejected(`attribute "${a}": one of ${DEFAULT_ATTRIBUTES.join(', ')}`);
  }
  const profile = input.attributeProfile ?? null;
  if (profile !== null && !(ATTRIBUTE_PROFILES as readonly string[]).includes(profile))
    throw new ServiceRejected(`attribute profile "${profile}": one of ${ATTRIBUTE_PROFILES.join(', ')}`);
  return {
    id: input.id,
    name,
    protocol: 'cas',
    serviceUrls: [...new Set(input.serviceUrls)],
    attributes: [...new Set(attributes)] as AttributeName[],
    attributeProfile: profile as AttributeProfile | null,
  };
}

export function createCasServices(db: Database, audit: Audit): CasServices {
  const all = () => db.read((manager) => manager.find(CasService, { order: { id: 'ASC' } }));
  const record = (manager: EntityManager, action: string, id: string, detail: Record<string, unknown> = {}) =>
    audit.record(manager, { action, outcome: 'success', detail: { serviceId: id, via: 'cli', ...detail } });

  return {
    async save(input) {
      const service = validateService(input);
      await db.transaction(async (manager) => {
        const row = {
          id: service.id,
          name: service.name,
          protocol: service.protocol,
          serviceUrls: JSON.stringify(service.serviceUrls),
          attributes: JSON.stringify(service.attributes),
          attributeProfile: service.attributeProfile,
        };
        const existing = await manager.findOneBy(CasService, { id: service.id });
        if (existing) await manager.update(CasService, { id: service.id }, row);
        else await manager.insert(CasService, { ...row, createdAt: new Date() });
        await record(manager, 'cas.service_save', service.id, { serviceUrls: service.serviceUrls });
      });
      return service;
    },
    list: async () => (await all()).map(present),
    remove: (id) =>
      db.transaction(async (manager) => {
        const result = await manager.delete(CasService, { id });
        if (!result.affected) return false;
        await record(manager, 'cas.service_remove', id);
        return true;
      }),
    async byId(id) {
      const row = await db.read((manager) => manager.findOneBy(CasService, { id }));
      return row ? present(row) : null;
    },
    async admitting(serviceUrl) {
      if (!parseServiceUrl(serviceUrl)) return null;
      return (
        (await this.list()).find((s) => s.serviceUrls.some((prefix) => serviceMatchesPrefix(serviceUrl, prefix))) ??
        null
      );
    },
  };
}
