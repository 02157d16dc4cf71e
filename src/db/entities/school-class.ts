import { Entity, Index, PrimaryColumn } from 'typeorm';
import { boolColumn, dateColumn, stringColumn, uuidColumn } from './columns.js';

@Entity('classes')
@Index('idx_classes_structure', ['structureId', 'name'])
export class SchoolClass {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @uuidColumn() structureId!: string;
  /** e.g. CM2 A */
  @stringColumn(100) name!: string;
  /** e.g. 2026-2027 */
  @stringColumn(9) schoolYear!: string;
  @stringColumn(64, { nullable: true, unique: true }) externalId!: string | null;
  /** Badge sign-in (issue 21) enabled by the class's teacher. */
  @boolColumn({ default: false }) badgeSignIn!: boolean;
  @dateColumn() createdAt!: Date;
}
