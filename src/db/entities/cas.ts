import { Entity, Index, PrimaryColumn } from 'typeorm';
import { boolColumn, dateColumn, nullableDateColumn, stringColumn, textColumn, uuidColumn } from './columns.js';

/** A CAS application allowed to receive service tickets (`ent-idp service add`). */
@Entity('cas_services')
export class CasService {
  @PrimaryColumn({ type: 'varchar', length: 100 }) id!: string;
  @stringColumn(200) name!: string;
  /** `cas` (SAML services will share the registry). */
  @stringColumn(16) protocol!: string;
  /** JSON array of URL prefixes (domain/cas/service-url.ts says how they match). */
  @textColumn() serviceUrls!: string;
  /** JSON array of the attribute names released (domain/cas/attributes.ts). */
  @textColumn() attributes!: string;
  /** `pronote`, or null for the default attributes. */
  @stringColumn(32, { nullable: true }) attributeProfile!: string | null;
  @dateColumn() createdAt!: Date;
}

/**
 * A service ticket: looked up by its keyed digest; `sealed` is the ticket encrypted, read
 * again only as the SessionIndex of a single logout request once the ticket is spent.
 */
@Entity('cas_tickets')
@Index('idx_cas_tickets_sid', ['sid'])
@Index('idx_cas_tickets_account', ['accountId'])
@Index('idx_cas_tickets_created', ['createdAt'])
export class CasTicket {
  @PrimaryColumn({ type: 'varchar', length: 64 }) digest!: string;
  @stringColumn(255) sealed!: string;
  @stringColumn(100) serviceId!: string;
  /** The exact service URL the ticket was issued for. */
  @textColumn() service!: string;
  @uuidColumn() accountId!: string;
  /** The provider session's sid for the internal client `ent-cas` (single logout). */
  @stringColumn(255, { nullable: true }) sid!: string | null;
  /** Issued right after a new sign-in (`renew=true`). */
  @boolColumn({ default: false }) renewed!: boolean;
  @dateColumn() expiresAt!: Date;
  @nullableDateColumn() consumedAt!: Date | null;
  @dateColumn() createdAt!: Date;
}
