// SAML 2.0 IdP (issue 18): the registry of service providers (by their metadata), and the
// AuthnRequest ids already answered (replay), kept until the request's validity is over.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class Saml1796300000000 implements MigrationInterface {
  name = 'Saml1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'saml_services',
        columns: [
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'entityId', type: 'varchar', length: '255' },
          { name: 'metadata', type: 'text' },
          { name: 'nameIdFormat', type: 'varchar', length: '16' },
          { name: 'attributeProfile', type: 'varchar', length: '32', isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'uq_saml_services_entity', columnNames: ['entityId'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'saml_requests',
        columns: [
          { name: 'digest', type: 'varchar', length: '64', isPrimary: true },
          { name: 'serviceId', type: 'varchar', length: '100' },
          { name: 'expiresAt', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_saml_requests_expires', columnNames: ['expiresAt'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('saml_requests');
    await queryRunner.dropTable('saml_services');
  }
}
