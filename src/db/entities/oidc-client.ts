import { Entity, PrimaryColumn } from 'typeorm';
import { boolColumn, dateColumn, textColumn } from './columns.js';

/** A registered OIDC client: oidc-provider client metadata as JSON. */
@Entity('oidc_clients')
export class OidcClient {
  @PrimaryColumn({ type: 'varchar', length: 255 }) clientId!: string;
  @textColumn() metadata!: string;
  /** First-party ENT applications skip the consent page. */
  @boolColumn({ default: false }) firstParty!: boolean;
  @dateColumn() createdAt!: Date;
  @dateColumn() updatedAt!: Date;
}
