import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, stringColumn, textColumn, uuidColumn } from './columns.js';

/** Who did what to whom, when, from where, with which outcome. Never a code or password. */
@Entity('audit_events')
@Index('idx_audit_class', ['classId', 'createdAt'])
@Index('idx_audit_target', ['targetId', 'createdAt'])
@Index('idx_audit_created', ['createdAt'])
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn({ nullable: true }) actorId!: string | null;
  /** e.g. login.password, login.code, code.generate, account.block */
  @stringColumn(64) action!: string;
  @uuidColumn({ nullable: true }) targetId!: string | null;
  @uuidColumn({ nullable: true }) classId!: string | null;
  @stringColumn(64, { nullable: true }) ip!: string | null;
  /** success | failure | throttled | refused */
  @stringColumn(16) outcome!: string;
  /** JSON with non-secret context (client id, reason, typed identifiant). */
  @textColumn({ nullable: true }) detail!: string | null;
  @dateColumn() createdAt!: Date;
}
