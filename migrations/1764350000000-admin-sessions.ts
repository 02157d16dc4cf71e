// Signed-in sessions of the admin page (« Paramétrage de la classe ») in the database, so
// logging out, changing the password or being blocked ends them at once on every instance,
// and a copy of the cookie is worth nothing afterwards. Only a digest of the session id is
// stored.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class AdminSessions1764350000000 implements MigrationInterface {
  name = 'AdminSessions1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'admin_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'idToken', type: 'text', isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
          { name: 'expiresAt', type: 'datetime', precision: 3 },
        ],
        indices: [
          new TableIndex({ name: 'idx_admin_sessions_account', columnNames: ['accountId'] }),
          new TableIndex({ name: 'idx_admin_sessions_expires', columnNames: ['expiresAt'] }),
        ],
        foreignKeys: [
          {
            columnNames: ['accountId'],
            referencedTableName: 'accounts',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('admin_sessions');
  }
}
