import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, textColumn, uuidColumn } from './columns.js';

/**
 * A teacher signed in to the admin page. The cookie carries a random session id; only its
 * SHA-256 digest is stored here, so the table cannot be replayed.
 */
@Entity('admin_sessions')
@Index('idx_admin_sessions_account', ['accountId'])
@Index('idx_admin_sessions_expires', ['expiresAt'])
export class AdminSession {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @uuidColumn() accountId!: string;
  /** The ID token of the sign-in, for RP-initiated logout (`id_token_hint`). */
  @textColumn({ nullable: true }) idToken!: string | null;
  @dateColumn() createdAt!: Date;
  /** Absolute end of the session (SESSION_TTL after sign-in). */
  @dateColumn() expiresAt!: Date;
}
