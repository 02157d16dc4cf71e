import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn } from './columns.js';

/** A relative (parent) of a student. */
@Entity('relative_links')
@Index('idx_relative_links_student', ['studentId'])
export class RelativeLink {
  @PrimaryColumn({ type: 'varchar', length: 36 }) relativeId!: string;
  @PrimaryColumn({ type: 'varchar', length: 36 }) studentId!: string;
  @dateColumn() createdAt!: Date;
}
