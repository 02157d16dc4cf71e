import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, uuidColumn } from './columns.js';

export const CODE_KINDS = ['activation', 'renewal'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/**
 * An activation or renewal code. The code is kept encrypted (AES-256-GCM) because the
 * class's teachers must be able to read it again, and as a keyed HMAC-SHA-256 digest so a
 * typed code is matched without decrypting. At most one live code per account.
 */
@Entity('one_time_codes')
@Index('idx_codes_account', ['accountId', 'consumedAt', 'revokedAt'])
@Index('idx_codes_digest', ['codeDigest'])
export class OneTimeCode {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn() accountId!: string;
  @stringColumn(16) kind!: CodeKind;
  @stringColumn(255) codeCiphertext!: string;
  @stringColumn(64) codeDigest!: string;
  @uuidColumn({ nullable: true }) createdBy!: string | null;
  @dateColumn() createdAt!: Date;
  @dateColumn() expiresAt!: Date;
  @nullableDateColumn() consumedAt!: Date | null;
  @nullableDateColumn() revokedAt!: Date | null;
}
