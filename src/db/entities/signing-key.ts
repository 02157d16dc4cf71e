import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, textColumn } from './columns.js';

/**
 * A signing key. The newest non-retired key of each algorithm signs; retired keys stay
 * published in the JWKS until `publishedUntil`, when every token they signed has expired.
 */
@Entity('signing_keys')
@Index('idx_signing_keys_created', ['createdAt'])
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 }) kid!: string;
  @stringColumn(16) alg!: string;
  @textColumn() publicJwk!: string;
  /** AES-256-GCM ciphertext of the private JWK. */
  @textColumn() privateJwkCiphertext!: string;
  @dateColumn() createdAt!: Date;
  /** When it starts signing (published before); null: from `createdAt`. */
  @nullableDateColumn() activatesAt!: Date | null;
  @nullableDateColumn() retiredAt!: Date | null;
  @nullableDateColumn() publishedUntil!: Date | null;
}
