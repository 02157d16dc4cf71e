import { Entity, Index, PrimaryColumn } from 'typeorm';
import { dateColumn, stringColumn, textColumn } from './columns.js';

/** A published version of the terms of use (`ent-idp terms publish`); the latest one is in force. */
@Entity('terms_versions')
@Index('idx_terms_versions_published', ['publishedAt'])
export class TermsVersion {
  @PrimaryColumn({ type: 'varchar', length: 32 }) version!: string;
  /** Markdown, as published (rendered without HTML on the terms page). */
  @textColumn() text!: string;
  @dateColumn() publishedAt!: Date;
  /** Who published it (the operator's name given to the CLI, or the system user). */
  @stringColumn(100) publishedBy!: string;
}

/** An account accepted a version of the terms of use (« J'accepte »). */
@Entity('terms_acceptances')
@Index('idx_terms_acceptances_version', ['version'])
export class TermsAcceptance {
  @PrimaryColumn({ type: 'varchar', length: 36 }) accountId!: string;
  @PrimaryColumn({ type: 'varchar', length: 32 }) version!: string;
  @dateColumn() acceptedAt!: Date;
}
