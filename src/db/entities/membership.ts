import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn } from './columns.js';

/** An account (student, teacher, personnel) belongs to a class. */
@Entity('memberships')
@Index('idx_memberships_class', ['classId'])
export class Membership {
  @PrimaryColumn({ type: 'varchar', length: 36 }) accountId!: string;
  @PrimaryColumn({ type: 'varchar', length: 36 }) classId!: string;
  @dateColumn() createdAt!: Date;
}
