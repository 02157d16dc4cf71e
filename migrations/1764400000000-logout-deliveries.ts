// Back-channel logout tokens waiting to be delivered to ENT applications (OpenID Connect
// Back-Channel Logout 1.0). A logout, a block, a password change or an expired session
// queues one row per application the session signed in to; every instance's worker delivers
// them with retries, so a slow or stopped application delays nobody's logout and loses
// nothing when the provider restarts.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class LogoutDeliveries1764400000000 implements MigrationInterface {
  name = 'LogoutDeliveries1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'logout_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'clientId', type: 'varchar', length: '255' },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'sid', type: 'varchar', length: '255', isNullable: true },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'attempts', type: 'int', default: 0 },
          { name: 'nextAttemptAt', type: 'datetime', precision: 3 },
          { name: 'leasedUntil', type: 'datetime', precision: 3, isNullable: true },
          { name: 'lastError', type: 'varchar', length: '255', isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_logout_deliveries_due', columnNames: ['nextAttemptAt'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('logout_deliveries');
  }
}
