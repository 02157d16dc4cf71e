// CAS (issue 17): the registry of CAS services, and the service tickets issued to them.
// A ticket is stored under a keyed digest (the lookup) and sealed (only ever read again as
// the SessionIndex of a single logout request, once it has been used); never in clear.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class Cas1796100000000 implements MigrationInterface {
  name = 'Cas1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'cas_services',
        columns: [
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'protocol', type: 'varchar', length: '16' },
          { name: 'serviceUrls', type: 'text' },
          { name: 'attributes', type: 'text' },
          { name: 'attributeProfile', type: 'varchar', length: '32', isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'cas_tickets',
        columns: [
          { name: 'digest', type: 'varchar', length: '64', isPrimary: true },
          { name: 'sealed', type: 'varchar', length: '255' },
          { name: 'serviceId', type: 'varchar', length: '100' },
          { name: 'service', type: 'text' },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'sid', type: 'varchar', length: '255', isNullable: true },
          { name: 'renewed', type: 'boolean', default: false },
          { name: 'expiresAt', type: 'datetime', precision: 3 },
          { name: 'consumedAt', type: 'datetime', precision: 3, isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
        indices: [
          new TableIndex({ name: 'idx_cas_tickets_sid', columnNames: ['sid'] }),
          new TableIndex({ name: 'idx_cas_tickets_account', columnNames: ['accountId'] }),
          new TableIndex({ name: 'idx_cas_tickets_created', columnNames: ['createdAt'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('cas_tickets');
    await queryRunner.dropTable('cas_services');
  }
}
