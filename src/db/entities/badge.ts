import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, uuidColumn } from './columns.js';

/**
 * A pupil's sign-in badge (issue 21): a bearer secret printed as a QR code. Kept encrypted
 * (the class's teachers reprint it) and as a keyed HMAC-SHA-256 digest (a scanned secret is
 * found by it). Bound to the class it was issued in: it works only while that class is of
 * its school's year in force, has badge sign-in enabled and still holds the pupil.
 */
@Entity('badges')
@Index('uq_badges_digest', ['secretDigest'], { unique: true })
@Index('idx_badges_account', ['accountId', 'revokedAt'])
@Index('idx_badges_class', ['classId', 'revokedAt'])
export class Badge {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn() accountId!: string;
  @uuidColumn() classId!: string;
  @stringColumn(255) secretCiphertext!: string;
  @stringColumn(64) secretDigest!: string;
  @uuidColumn({ nullable: true }) createdBy!: string | null;
  @dateColumn() createdAt!: Date;
  @nullableDateColumn() revokedAt!: Date | null;
  @nullableDateColumn() lastUsedAt!: Date | null;
}
