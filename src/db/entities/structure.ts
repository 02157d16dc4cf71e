import { Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, stringColumn } from './columns.js';

/** A school. */
@Entity('structures')
export class Structure {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** Unité administrative immatriculée, e.g. 0801234A. */
  @stringColumn(16, { unique: true }) uai!: string;
  @stringColumn(255) name!: string;
  /** ENT address printed on connection sheets, e.g. https://ecole.entsomme.fr */
  @stringColumn(255) entAddress!: string;
  /**
   * The school year in force (`ent-idp rollover`), e.g. 2027-2028; null: the calendar's year
   * from SCHOOL_YEAR_START (domain/school-year.ts).
   */
  @stringColumn(9, { nullable: true }) schoolYear!: string | null;
  @dateColumn() createdAt!: Date;
}
