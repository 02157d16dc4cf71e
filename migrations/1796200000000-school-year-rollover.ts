// The school year's rollover (issue 20): the year in force per school, switched by the
// operator (`ent-idp rollover`), and the date a pupil or relative left, from which
// DEPARTED_RETENTION_DAYS counts. Both nullable: a school with no year set follows the
// calendar (SCHOOL_YEAR_START) as before, an account with no date has not left.
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class SchoolYearRollover1796200000000 implements MigrationInterface {
  name = 'SchoolYearRollover1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'structures',
      new TableColumn({ name: 'schoolYear', type: 'varchar', length: '9', isNullable: true }),
    );
    await queryRunner.addColumn(
      'accounts',
      new TableColumn({ name: 'departedAt', type: 'datetime', precision: 3, isNullable: true }),
    );
    await queryRunner.createIndex(
      'accounts',
      new TableIndex({ name: 'idx_accounts_departed', columnNames: ['departedAt'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('accounts', 'idx_accounts_departed');
    await queryRunner.dropColumn('accounts', 'departedAt');
    await queryRunner.dropColumn('structures', 'schoolYear');
  }
}
