// The initial schema. Written with TypeORM's portable Table API so the same file runs on
// SQLite and MySQL/MariaDB, up and down.
import {
  Table,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const date = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: nullable,
});
const fk = (columns: string[], table: string, onDelete = 'CASCADE') =>
  new TableForeignKey({ columnNames: columns, referencedTableName: table, referencedColumnNames: ['id'], onDelete });
const index = (name: string, columns: string[], isUnique = false, where?: string) =>
  new TableIndex({ name, columnNames: columns, isUnique, where });
/**
 * Only a few rows have this column (sessions have a uid, device codes a user code): on SQLite
 * a partial index then costs nothing to the many token writes; MySQL indexes every row.
 */
const sparseIndex = (name: string, column: string) => index(name, [column], false, `${column} IS NOT NULL`);

const tables: Table[] = [
  new Table({
    name: 'structures',
    columns: [id(), str('uai', 16), str('name', 255), str('entAddress', 255), date('createdAt')],
    indices: [index('uq_structures_uai', ['uai'], true)],
  }),
  new Table({
    name: 'classes',
    columns: [
      id(),
      ref('structureId'),
      str('name', 100),
      str('schoolYear', 9),
      str('externalId', 64, true),
      date('createdAt'),
    ],
    indices: [
      index('idx_classes_structure', ['structureId', 'name']),
      index('uq_classes_external', ['externalId'], true),
    ],
    foreignKeys: [fk(['structureId'], 'structures')],
  }),
  new Table({
    name: 'accounts',
    columns: [
      id(),
      str('login', 100),
      str('firstName', 100),
      str('lastName', 100),
      str('searchFirstName', 100),
      str('searchLastName', 100),
      str('birthDate', 10, true),
      str('profile', 16),
      str('email', 255, true),
      ref('structureId', true),
      str('externalId', 64, true),
      str('passwordHash', 255, true),
      date('activatedAt', true),
      date('blockedAt', true),
      date('lastLoginAt', true),
      date('passwordChangedAt', true),
      date('createdAt'),
      date('updatedAt'),
    ],
    indices: [
      index('uq_accounts_login', ['login'], true),
      index('uq_accounts_external', ['externalId'], true),
      index('idx_accounts_structure_profile', ['structureId', 'profile']),
      index('idx_accounts_search_last', ['searchLastName']),
      index('idx_accounts_search_first', ['searchFirstName']),
      index('idx_accounts_email', ['email']),
    ],
    foreignKeys: [fk(['structureId'], 'structures', 'SET NULL')],
  }),
  new Table({
    name: 'memberships',
    columns: [{ ...ref('accountId'), isPrimary: true }, { ...ref('classId'), isPrimary: true }, date('createdAt')],
    indices: [index('idx_memberships_class', ['classId'])],
    foreignKeys: [fk(['accountId'], 'accounts'), fk(['classId'], 'classes')],
  }),
  new Table({
    name: 'relative_links',
    columns: [{ ...ref('relativeId'), isPrimary: true }, { ...ref('studentId'), isPrimary: true }, date('createdAt')],
    indices: [index('idx_relative_links_student', ['studentId'])],
    foreignKeys: [fk(['relativeId'], 'accounts'), fk(['studentId'], 'accounts')],
  }),
  new Table({
    name: 'role_assignments',
    columns: [
      { ...ref('accountId'), isPrimary: true },
      { ...str('role', 16), isPrimary: true },
      { ...ref('scopeId'), isPrimary: true },
      date('createdAt'),
    ],
    indices: [index('idx_role_assignments_scope', ['scopeId'])],
    foreignKeys: [fk(['accountId'], 'accounts')],
  }),
  new Table({
    name: 'one_time_codes',
    columns: [
      id(),
      ref('accountId'),
      str('kind', 16),
      str('codeCiphertext', 255),
      str('codeDigest', 64),
      ref('createdBy', true),
      date('createdAt'),
      date('expiresAt'),
      date('consumedAt', true),
      date('revokedAt', true),
    ],
    indices: [
      index('idx_codes_account', ['accountId', 'consumedAt', 'revokedAt']),
      index('idx_codes_digest', ['codeDigest']),
    ],
    foreignKeys: [fk(['accountId'], 'accounts')],
  }),
  new Table({
    name: 'password_reset_tokens',
    columns: [
      id(),
      ref('accountId'),
      str('tokenDigest', 64),
      ref('requestedBy', true),
      date('createdAt'),
      date('expiresAt'),
      date('consumedAt', true),
    ],
    indices: [
      index('idx_reset_tokens_digest', ['tokenDigest'], true),
      index('idx_reset_tokens_account', ['accountId']),
    ],
    foreignKeys: [fk(['accountId'], 'accounts')],
  }),
  new Table({
    name: 'audit_events',
    columns: [
      id(),
      ref('actorId', true),
      str('action', 64),
      ref('targetId', true),
      ref('classId', true),
      str('ip', 64, true),
      str('outcome', 16),
      text('detail', true),
      date('createdAt'),
    ],
    indices: [
      index('idx_audit_class', ['classId', 'createdAt']),
      index('idx_audit_target', ['targetId', 'createdAt']),
      index('idx_audit_created', ['createdAt']),
    ],
  }),
  new Table({
    name: 'rate_limits',
    columns: [
      { ...str('key', 255), isPrimary: true },
      { name: 'points', type: 'int', default: 0 },
      { name: 'expire', type: 'bigint', isNullable: true },
    ],
  }),
  new Table({
    name: 'oidc_artifacts',
    columns: [
      { ...str('model', 32), isPrimary: true },
      { ...str('id', 255), isPrimary: true },
      text('payload'),
      str('grantId', 255, true),
      str('uid', 255, true),
      str('userCode', 255, true),
      ref('accountId', true),
      date('expiresAt', true),
      date('consumedAt', true),
    ],
    indices: [
      index('idx_oidc_grant', ['grantId']),
      sparseIndex('idx_oidc_uid', 'uid'),
      sparseIndex('idx_oidc_user_code', 'userCode'),
      index('idx_oidc_account', ['accountId']),
      index('idx_oidc_expires', ['expiresAt']),
    ],
  }),
  new Table({
    name: 'oidc_clients',
    columns: [
      { ...str('clientId', 255), isPrimary: true },
      text('metadata'),
      { name: 'firstParty', type: 'boolean', default: false },
      date('createdAt'),
      date('updatedAt'),
    ],
  }),
  new Table({
    name: 'signing_keys',
    columns: [
      { ...str('kid', 64), isPrimary: true },
      str('alg', 16),
      text('publicJwk'),
      text('privateJwkCiphertext'),
      date('createdAt'),
      date('retiredAt', true),
      date('publishedUntil', true),
    ],
    indices: [index('idx_signing_keys_created', ['createdAt'])],
  }),
];

export class Initial1764100000000 implements MigrationInterface {
  name = 'Initial1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...tables].reverse()) await queryRunner.dropTable(table.name, true, true, true);
  }
}
