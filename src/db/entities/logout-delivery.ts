import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, intColumn, nullableDateColumn, stringColumn, uuidColumn } from './columns.js';

/** Why a session ended, as recorded on its back-channel logout delivery. */
export const LOGOUT_REASONS = ['logout', 'block', 'password', 'expired', 'terms'] as const;
export type LogoutReason = (typeof LOGOUT_REASONS)[number];

/**
 * A back-channel logout token to deliver to one application for one session (the token is
 * signed when it is sent: nothing secret is stored). Deleted once delivered or given up.
 */
@Entity('logout_deliveries')
@Index('idx_logout_deliveries_due', ['nextAttemptAt'])
export class LogoutDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @stringColumn(255) clientId!: string;
  /** The `sub` of the logout token. */
  @uuidColumn() accountId!: string;
  /** The session's `sid` for this client, when known. */
  @stringColumn(255, { nullable: true }) sid!: string | null;
  @stringColumn(32) reason!: LogoutReason;
  @intColumn({ default: 0 }) attempts!: number;
  @dateColumn() nextAttemptAt!: Date;
  /** Claimed by an instance's worker until then (another takes over if it died). */
  @nullableDateColumn() leasedUntil!: Date | null;
  @stringColumn(255, { nullable: true }) lastError!: string | null;
  @dateColumn() createdAt!: Date;
}
