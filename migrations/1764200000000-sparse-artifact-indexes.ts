// Client-credentials tokens (and interactions) have neither a grant nor an account: on SQLite
// the grant and account indexes of oidc_artifacts become partial (`… IS NOT NULL`), so those
// writes no longer maintain them — ≈ 30 % of the insert (BENCHMARKS.md). Lookups by grant or
// account (`grantId = ?`) still use them. MySQL/MariaDB have no partial indexes: no change.
import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const TABLE = 'oidc_artifacts';
const INDEXES = [
  { name: 'idx_oidc_grant', column: 'grantId' },
  { name: 'idx_oidc_account', column: 'accountId' },
];

export class SparseArtifactIndexes1764200000000 implements MigrationInterface {
  name = 'SparseArtifactIndexes1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    for (const { name, column } of INDEXES) {
      await queryRunner.dropIndex(TABLE, name);
      await queryRunner.createIndex(
        TABLE,
        new TableIndex({ name, columnNames: [column], where: `${column} IS NOT NULL` }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') return;
    for (const { name, column } of INDEXES) {
      await queryRunner.dropIndex(TABLE, name);
      await queryRunner.createIndex(TABLE, new TableIndex({ name, columnNames: [column] }));
    }
  }
}
