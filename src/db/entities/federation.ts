import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, textColumn, uuidColumn } from './columns.js';

/**
 * An upstream account (ÉduConnect's `FrEduCtId`) linked to an ENT account. One upstream
 * account may be linked to several ENT accounts (a parent in two schools); `method` says how
 * the link was made: `national_id` (the roster's national id matched) or `proof` (the person
 * signed in to the ENT account once).
 */
@Entity('federation_links')
@Index('uq_federation_links', ['provider', 'subject', 'accountId'], { unique: true })
@Index('idx_federation_links_account', ['accountId'])
export class FederationLink {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn() accountId!: string;
  @stringColumn(32) provider!: string;
  @stringColumn(255) subject!: string;
  @stringColumn(16) method!: 'national_id' | 'proof';
  @dateColumn() createdAt!: Date;
  @nullableDateColumn() lastUsedAt!: Date | null;
}

/**
 * An AuthnRequest sent upstream, by a digest of its id: node-saml's InResponseTo cache, kept
 * in the database so any instance receives the answer. `result` holds the validated identity
 * (sealed) until the browser, back on the interaction `interactionUid`, takes it once.
 */
@Entity('federation_requests')
@Index('idx_federation_requests_uid', ['interactionUid'])
@Index('idx_federation_requests_expires', ['expiresAt'])
export class FederationRequest {
  @PrimaryColumn({ type: 'varchar', length: 64 }) digest!: string;
  @stringColumn(64, { nullable: true }) interactionUid!: string | null;
  @stringColumn(40) instant!: string;
  @dateColumn() createdAt!: Date;
  @dateColumn() expiresAt!: Date;
  @nullableDateColumn() consumedAt!: Date | null;
  @textColumn({ nullable: true }) result!: string | null;
  @nullableDateColumn() takenAt!: Date | null;
}

/** A national id (the AAF join key of a pupil or a parent) given by the roster import. */
@Entity('national_ids')
@Index('idx_national_ids_value', ['nationalId'])
export class NationalId {
  @PrimaryColumn({ type: 'varchar', length: 36 }) accountId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) nationalId!: string;
  @dateColumn() createdAt!: Date;
}
