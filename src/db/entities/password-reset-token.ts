import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, uuidColumn } from './columns.js';

/** A « Mot de passe oublié » link: only its keyed digest is stored. */
@Entity('password_reset_tokens')
@Index('idx_reset_tokens_digest', ['tokenDigest'], { unique: true })
@Index('idx_reset_tokens_account', ['accountId'])
export class PasswordResetToken {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn() accountId!: string;
  @stringColumn(64) tokenDigest!: string;
  @uuidColumn({ nullable: true }) requestedBy!: string | null;
  @dateColumn() createdAt!: Date;
  @dateColumn() expiresAt!: Date;
  @nullableDateColumn() consumedAt!: Date | null;
}
