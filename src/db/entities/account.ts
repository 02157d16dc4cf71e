import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, nullableDateColumn, stringColumn, uuidColumn } from './columns.js';

export const PROFILES = ['Student', 'Relative', 'Teacher', 'Personnel'] as const;
export type Profile = (typeof PROFILES)[number];

/** A person who signs in. `id` is the OIDC `sub`: a uuid, never reused. */
@Entity('accounts')
@Index('idx_accounts_structure_profile', ['structureId', 'profile'])
@Index('idx_accounts_search_last', ['searchLastName'])
@Index('idx_accounts_search_first', ['searchFirstName'])
@Index('idx_accounts_email', ['email'])
@Index('idx_accounts_departed', ['departedAt'])
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** The identifiant, e.g. enfant.test; unique across the database, lowercase. */
  @stringColumn(100, { unique: true }) login!: string;
  @stringColumn(100) firstName!: string;
  @stringColumn(100) lastName!: string;
  /** Lowercase, accents stripped: prefix search "Recherche par nom ou prénom". */
  @stringColumn(100) searchFirstName!: string;
  @stringColumn(100) searchLastName!: string;
  /** ISO date YYYY-MM-DD (a calendar date, no time zone). */
  @stringColumn(10, { nullable: true }) birthDate!: string | null;
  @stringColumn(16) profile!: Profile;
  /** Normalised (normalizeEmail) and compared exactly: utf8mb4_bin on MySQL/MariaDB (migration 1764300000000). */
  @stringColumn(255, { nullable: true }) email!: string | null;
  @uuidColumn({ nullable: true }) structureId!: string | null;
  /** Identifier in the school's roster (import is idempotent on it). */
  @stringColumn(64, { nullable: true, unique: true }) externalId!: string | null;
  /** argon2id PHC string; null until the account chooses a password. */
  @stringColumn(255, { nullable: true }) passwordHash!: string | null;
  @nullableDateColumn() activatedAt!: Date | null;
  @nullableDateColumn() blockedAt!: Date | null;
  /** Left the school at a rollover (blocked then); the purge deletes it DEPARTED_RETENTION_DAYS later. */
  @nullableDateColumn() departedAt!: Date | null;
  @nullableDateColumn() lastLoginAt!: Date | null;
  @nullableDateColumn() passwordChangedAt!: Date | null;
  @dateColumn() createdAt!: Date;
  @dateColumn() updatedAt!: Date;
}
