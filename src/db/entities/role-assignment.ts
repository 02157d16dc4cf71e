import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn } from './columns.js';

export const ROLES = ['class-admin', 'school-admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * `class-admin` on a class (scopeId = class id) lets a teacher manage its students and
 * relatives; `school-admin` on a structure (scopeId = structure id) every account of it.
 */
@Entity('role_assignments')
@Index('idx_role_assignments_scope', ['scopeId'])
export class RoleAssignment {
  @PrimaryColumn({ type: 'varchar', length: 36 }) accountId!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) role!: Role;
  @PrimaryColumn({ type: 'varchar', length: 36 }) scopeId!: string;
  @dateColumn() createdAt!: Date;
}
