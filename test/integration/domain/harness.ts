// A domain over a fresh test database (SQLite, or MariaDB with TEST_DATABASE_URL), with
// mails written to a temporary folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../src/config/index.js';
import type { Database } from '../../../src/db/index.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import { openTestDatabase } from '../../helpers/db.js';

export interface Harness {
  db: Database;
  url: string;
  config: Config;
  domain: Domain;
  mailDir: string;
  /** The .eml files written so far, oldest first, as text. */
  mails(): string[];
  cleanup(): Promise<void>;
}

/** `overrides.mail` is merged into the harness's mail settings (files under a temporary folder). */
export async function openDomain(
  overrides: Omit<Partial<Config>, 'mail'> & { mail?: Partial<Config['mail']> } = {},
  logger: Logger = createLogger('silent'),
): Promise<Harness> {
  const { db, url, cleanup } = await openTestDatabase();
  const mailDir = mkdtempSync(join(tmpdir(), 'ent-idp-mail-'));
  const base = loadConfig();
  const { mail, ...rest } = overrides;
  const config: Config = {
    ...base,
    database: { ...base.database, url },
    ...rest,
    mail: { ...base.mail, mode: 'files', smtpUrl: undefined, dir: mailDir, ...mail },
  };
  const domain = createDomain({ config, db, logger });
  return {
    db,
    url,
    config,
    domain,
    mailDir,
    mails: () =>
      readdirSync(mailDir)
        .sort()
        .map((f) => readFileSync(join(mailDir, f), 'utf8')),
    async cleanup() {
      await domain.mail.idle();
      await cleanup();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

/** The body of a .eml file as text (undoes quoted-printable soft breaks and escapes). */
export function mailBody(eml: string): string {
  const body = eml.slice(eml.search(/\r?\n\r?\n/)).replace(/=\r?\n/g, '');
  return Buffer.from(
    body.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}
