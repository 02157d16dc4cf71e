// SAML single logout (issue 18): which SP received which NameID and SessionIndex in which
// provider session, so the session's end reaches each of them as a LogoutRequest.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class SamlSessions1796381000000 implements MigrationInterface {
  name = 'SamlSessions1796381000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'saml_sessions',
        columns: [
          { name: 'sessionIndex', type: 'varchar', length: '64', isPrimary: true },
          { name: 'serviceId', type: 'varchar', length: '100' },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'sid', type: 'varchar', length: '255', isNullable: true },
          { name: 'nameIdFormat', type: 'varchar', length: '128' },
          { name: 'nameId', type: 'varchar', length: '255' },
          { name: 'createdAt', type: 'datetime', precision: 3 },
        ],
        indices: [
          new TableIndex({ name: 'idx_saml_sessions_sid', columnNames: ['sid'] }),
          new TableIndex({ name: 'idx_saml_sessions_account', columnNames: ['accountId'] }),
          new TableIndex({ name: 'idx_saml_sessions_created', columnNames: ['createdAt'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('saml_sessions');
  }
}
