// Terms of use (« charte », issue 20): the versions an operator published, and which version
// each account accepted, when. A version's text is kept as published (Markdown, at most
// 200 kB: MEDIUMTEXT on MariaDB, whose TEXT stops at 64 kB).
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class Terms1796450000000 implements MigrationInterface {
  name = 'Terms1796450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mysql = queryRunner.connection.driver.options.type !== 'better-sqlite3';
    await queryRunner.createTable(
      new Table({
        name: 'terms_versions',
        columns: [
          { name: 'version', type: 'varchar', length: '32', isPrimary: true },
          { name: 'text', type: mysql ? 'mediumtext' : 'text' },
          { name: 'publishedAt', type: 'datetime', precision: 3 },
          { name: 'publishedBy', type: 'varchar', length: '100' },
        ],
        indices: [new TableIndex({ name: 'idx_terms_versions_published', columnNames: ['publishedAt'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'terms_acceptances',
        columns: [
          { name: 'accountId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'version', type: 'varchar', length: '32', isPrimary: true },
          { name: 'acceptedAt', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_terms_acceptances_version', columnNames: ['version'] })],
        foreignKeys: [
          {
            columnNames: ['accountId'],
            referencedTableName: 'accounts',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            columnNames: ['version'],
            referencedTableName: 'terms_versions',
            referencedColumnNames: ['version'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('terms_acceptances');
    await queryRunner.dropTable('terms_versions');
  }
}
