import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, stringColumn, uuidColumn } from './columns.js';

/**
 * An assertion a SAML SP received in a provider session: who (the NameID as released to that
 * SP) and which SessionIndex, so that the session's end reaches the SP as a LogoutRequest
 * (src/saml/single-logout.ts). Deleted when the session ends, or once it cannot live any more.
 */
@Entity('saml_sessions')
@Index('idx_saml_sessions_sid', ['sid'])
@Index('idx_saml_sessions_account', ['accountId'])
@Index('idx_saml_sessions_created', ['createdAt'])
export class SamlSession {
  /** The SessionIndex of the assertion (`_` + 40 hex digits). */
  @PrimaryColumn({ type: 'varchar', length: 64 }) sessionIndex!: string;
  @stringColumn(100) serviceId!: string;
  @uuidColumn() accountId!: string;
  /** The provider session's sid for the internal client `ent-saml`. */
  @stringColumn(255, { nullable: true }) sid!: string | null;
  @stringColumn(128) nameIdFormat!: string;
  @stringColumn(255) nameId!: string;
  @dateColumn() createdAt!: Date;
}
