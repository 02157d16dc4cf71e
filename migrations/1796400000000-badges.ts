// Badge sign-in for the youngest classes (issue 21): a class's teacher enables it per class,
// each pupil gets a printed badge whose QR code carries a long random secret. The secret is
// kept sealed (AES-GCM, for reprinting) and as a keyed digest (the lookup), like the codes.
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class Badges1796400000000 implements MigrationInterface {
  name = 'Badges1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'classes',
      new TableColumn({ name: 'badgeSignIn', type: 'boolean', default: false, isNullable: false }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'badges',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'accountId', type: 'varchar', length: '36' },
          { name: 'classId', type: 'varchar', length: '36' },
          { name: 'secretCiphertext', type: 'varchar', length: '255' },
          { name: 'secretDigest', type: 'varchar', length: '64' },
          { name: 'createdBy', type: 'varchar', length: '36', isNullable: true },
          { name: 'createdAt', type: 'datetime', precision: 3 },
          { name: 'revokedAt', type: 'datetime', precision: 3, isNullable: true },
          { name: 'lastUsedAt', type: 'datetime', precision: 3, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_badges_digest', columnNames: ['secretDigest'], isUnique: true }),
          new TableIndex({ name: 'idx_badges_account', columnNames: ['accountId', 'revokedAt'] }),
          new TableIndex({ name: 'idx_badges_class', columnNames: ['classId', 'revokedAt'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('badges');
    await queryRunner.dropColumn('classes', 'badgeSignIn');
  }
}
