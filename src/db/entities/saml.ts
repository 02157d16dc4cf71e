import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, stringColumn, textColumn } from './columns.js';

/** A SAML service provider (`ent-idp service add … --protocol saml --metadata <file>`). */
@Entity('saml_services')
@Index('uq_saml_services_entity', ['entityId'], { unique: true })
export class SamlService {
  @PrimaryColumn({ type: 'varchar', length: 100 }) id!: string;
  @stringColumn(200) name!: string;
  /** The SP's entityID (unique: an AuthnRequest's Issuer finds its SP by it). */
  @stringColumn(255) entityId!: string;
  /** The SP metadata as registered (domain/saml/metadata.ts reads it). */
  @textColumn() metadata!: string;
  /** `persistent` (pairwise opaque id) or `identifiant`. */
  @stringColumn(16) nameIdFormat!: string;
  /** null (default attributes) or `gar`. */
  @stringColumn(32, { nullable: true }) attributeProfile!: string | null;
  @dateColumn() createdAt!: Date;
}

/** An AuthnRequest id already seen from an SP (replay), under a digest of (entity id, id). */
@Entity('saml_requests')
@Index('idx_saml_requests_expires', ['expiresAt'])
export class SamlRequest {
  @PrimaryColumn({ type: 'varchar', length: 64 }) digest!: string;
  @stringColumn(100) serviceId!: string;
  @dateColumn() expiresAt!: Date;
}
