import { Entity, Index, PrimaryColumn } from 'typeorm';
import { nullableDateColumn, stringColumn, textColumn, uuidColumn } from './columns.js';

/** Every oidc-provider model (Session, Grant, AccessToken, …) in one table. */
@Entity('oidc_artifacts')
@Index('idx_oidc_grant', ['grantId'], { where: 'grantId IS NOT NULL' })
@Index('idx_oidc_uid', ['uid'], { where: 'uid IS NOT NULL' })
@Index('idx_oidc_user_code', ['userCode'], { where: 'userCode IS NOT NULL' })
@Index('idx_oidc_account', ['accountId'], { where: 'accountId IS NOT NULL' })
@Index('idx_oidc_expires', ['expiresAt'])
export class OidcArtifact {
  @PrimaryColumn({ type: 'varchar', length: 32 }) model!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) id!: string;
  @textColumn() payload!: string;
  @stringColumn(255, { nullable: true }) grantId!: string | null;
  @stringColumn(255, { nullable: true }) uid!: string | null;
  @stringColumn(255, { nullable: true }) userCode!: string | null;
  @uuidColumn({ nullable: true }) accountId!: string | null;
  @nullableDateColumn() expiresAt!: Date | null;
  @nullableDateColumn() consumedAt!: Date | null;
}
