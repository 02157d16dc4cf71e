// MAIL=disabled: a mail is neither sent nor written anywhere; a warning per mail says so,
// without its recipient nor its content (a reset link is a credential).
import { PassThrough } from 'node:stream';
import { RESET_PATH } from '../../../src/domain/recovery.js';
import { createLogger } from '../../../src/logger.js';
import { createAccount } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
let logged = '';
beforeAll(async () => {
  const stream = new PassThrough().setEncoding('utf8');
  stream.on('data', (chunk: string) => (logged += chunk));
  h = await openDomain({ mail: { mode: 'disabled' } }, createLogger('info', stream));
});
afterAll(() => h.cleanup());

describe('MAIL=disabled', () => {
  it('writes no .eml for a reset request and logs a warning without the link', async () => {
    const parent = await createAccount(h.db, { profile: 'Relative', email: 'parent.sans.mail@example.test' });
    await h.domain.recovery.requestPasswordReset({ login: parent.login, ip: '192.0.2.40' });
    await h.domain.mail.idle();
    expect(h.mails()).toEqual([]);
    const lines = logged
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const warnings = lines.filter((line) => line.msg === 'mail not sent (MAIL=disabled)');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40); // pino's warn
    expect(logged).not.toContain(RESET_PATH);
    expect(logged).not.toContain('parent.sans.mail@example.test');
  });
});
