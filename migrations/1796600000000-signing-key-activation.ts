// Signing keys published ahead of use (issue 18: the SAML certificate, like the JWKS, is
// announced before it signs): `activatesAt` is when a key made by `keys rotate` starts
// signing. Null for the keys that existed before: they were active from their creation.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

export class SigningKeyActivation1796600000000 implements MigrationInterface {
  name = 'SigningKeyActivation1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'signing_keys',
      new TableColumn({ name: 'activatesAt', type: 'datetime', precision: 3, isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('signing_keys', 'activatesAt');
  }
}
