// ÉduConnect federation (issue 19): the links between an ÉduConnect account and ENT accounts,
// the AuthnRequests sent to ÉduConnect (InResponseTo, replay, the interaction they belong
// to, and the validated identity until the browser comes back for it), and the national ids
// a roster import gives so that a link can be made at once.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class Educonnect1796500000000 implements MigrationInterface {
  name = 'Educonnect1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'federation_links',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'provider', type: 'varchar', length: '32' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'method', type: 'varchar', length: '16' },
          { name: 'createdAt', type: 'datetime', precision: 3 },
          { name: 'lastUsedAt', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'uq_federation_links',
            columnNames: ['provider', 'subject', 'accountId'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_federation_links_account', columnNames: ['accountId'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'federation_requests',
        columns: [
          { name: 'digest', type: 'varchar', length: '64', isPrimary: true },
          { name: 'interactionUid', type: 'varchar', length: '64', isNullable: true },
          { name: 'instant', type: 'varchar', length: '40' },
          { name: 'createdAt', type: 'datetime', precision: 3 },
          { name: 'expiresAt', type: 'datetime', precision: 3 },
          { name: 'consumedAt', type: 'datetime', precision: 3, isNullable: true },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'takenAt', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_federation_requests_uid', columnNames: ['interactionUid'] }),
          new TableIndex({ name: 'idx_federation_requests_expires', columnNames: ['expiresAt'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'national_ids',
        columns: [
          { name: 'accountId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'nationalId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_national_ids_value', columnNames: ['nationalId'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('national_ids');
    await queryRunner.dropTable('federation_requests');
    await queryRunner.dropTable('federation_links');
  }
}
