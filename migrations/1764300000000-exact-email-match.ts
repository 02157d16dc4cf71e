// « Identifiant oublié » looks accounts up by email: the comparison must be exact, or a
// look-alike address someone else owns (`exámple.fr` for `example.fr`) matches. MySQL/MariaDB
// gave the column the database's collation (utf8mb4_unicode_ci: accents and case ignored); it
// becomes utf8mb4_bin, which compares code points. SQLite compares bytes already (BINARY):
// no change there. Addresses are stored normalised (normalizeEmail), so the lookup is a plain
// `email = ?` and uses idx_accounts_email (initial migration), which LOWER(email) bypassed.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const isMysql = (queryRunner: QueryRunner) => ['mysql', 'mariadb'].includes(queryRunner.connection.options.type);

export class ExactEmailMatch1764300000000 implements MigrationInterface {
  name = 'ExactEmailMatch1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!isMysql(queryRunner)) return;
    await queryRunner.query(
      'ALTER TABLE `accounts` MODIFY `email` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysql(queryRunner)) return;
    // Back to the table's default collation, whatever the database was created with.
    await queryRunner.query('ALTER TABLE `accounts` MODIFY `email` varchar(255) CHARACTER SET utf8mb4 NULL');
  }
}
