import { Column, Entity, PrimaryColumn } from 'typeorm';
import { intColumn } from './columns.js';

/**
 * Failed-attempt counters, in the table layout of rate-limiter-flexible's SQL stores (key,
 * points, expire in epoch ms), so throttling survives restarts and is shared by instances.
 */
@Entity('rate_limits')
export class ThrottleEntry {
  @PrimaryColumn({ type: 'varchar', length: 255 }) key!: string;
  @intColumn({ default: 0 }) points!: number;
  @Column({ type: 'bigint', nullable: true }) expire!: string | null;
}
