// Failed-login throttling through the path sign-ins take: `throttle.acquire` counts the
// attempt before the secret is verified, and its ticket is then failed, succeeded or
// released (src/domain/login/authenticate.ts).
import { openDatabase } from '../../../src/db/index.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { createLogger } from '../../../src/logger.js';
import { createAccount } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

const PASSWORD = 'une phrase de passe solide';

/** One failed attempt as a sign-in makes it: acquire, then fail the ticket; false when refused. */
async function failOnce(domain: Domain, login: string, ip: string): Promise<boolean> {
  const ticket = await domain.throttle.acquire(login, ip);
  if (!ticket.allowed) return false;
  await ticket.fail();
  return true;
}

/** retryAfterSeconds when the next attempt is refused, 0 when it may be verified (and is given back). */
async function refusedFor(domain: Domain, login: string, ip: string): Promise<number> {
  const ticket = await domain.throttle.acquire(login, ip);
  if (!ticket.allowed) return ticket.retryAfterSeconds;
  await ticket.release();
  return 0;
}

/**
 * Ends the blocks on this IP's counters as if their time had passed, keeping their points:
 * a counter outlives its block by one window (expire = end of block + window), so this is
 * the moment a block ends. Done in the table, the product's own clock is left alone.
 */
async function endBlocks(ip: string): Promise<void> {
  const key = h.db.kind === 'mysql' ? '`key`' : '"key"';
  await h.db.transaction((m) =>
    m.query(`UPDATE rate_limits SET expire = ? WHERE ${key} LIKE ?`, [
      Date.now() + h.config.throttle.window * 1000,
      `%${ip}`,
    ]),
  );
}

describe('failed-login throttling', () => {
  it('refuses the 11th attempt for (identifiant, IP) even with the right password, while another IP still passes', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    const { login } = h.domain;
    expect(h.config.throttle.maxFailures).toBe(10);
    for (let i = 0; i < 9; i++)
      expect(await login.authenticate({ login: child.login, secret: `mauvais ${i}`, ip: '203.0.113.1' })).toEqual({
        outcome: 'invalid',
      });
    expect(await login.authenticate({ login: child.login, secret: 'mauvais mot de passe', ip: '203.0.113.1' })).toEqual(
      { outcome: 'invalid' },
    );

    expect(await login.authenticate({ login: child.login, secret: PASSWORD, ip: '203.0.113.1' })).toEqual({
      outcome: 'throttled',
      retryAfterSeconds: 60,
    });
    // The identifiant as typed differently is the same counter.
    expect(
      await login.authenticate({ login: ` ${child.login.toUpperCase()} `, secret: PASSWORD, ip: '203.0.113.1' }),
    ).toMatchObject({ outcome: 'throttled' });
    // The child, elsewhere, is not locked out by an attacker.
    expect(await login.authenticate({ login: child.login, secret: PASSWORD, ip: '203.0.113.2' })).toMatchObject({
      outcome: 'password',
    });
  });

  it('a success forgets the failures of that identifiant from that IP', async () => {
    const ip = '203.0.113.8';
    for (let i = 0; i < 9; i++) expect(await failOnce(h.domain, 'oublieux', ip)).toBe(true);
    const ticket = await h.domain.throttle.acquire('oublieux', ip);
    if (!ticket.allowed) throw new Error('the 10th attempt is allowed');
    await ticket.succeed();
    // Ten more failures are allowed before the block; without the reset the 11th is refused.
    for (let i = 0; i < 10; i++) expect(await failOnce(h.domain, 'oublieux', ip)).toBe(true);
    expect(await refusedFor(h.domain, 'oublieux', ip)).toBe(60);
  });

  it('a released attempt does not count: a blocked account’s right password, over and over, never throttles', async () => {
    const blocked = await createAccount(h.db, { profile: 'Student', password: PASSWORD, blockedAt: new Date() });
    const ip = '203.0.113.9';
    for (let i = 0; i < 9; i++) await h.domain.login.authenticate({ login: blocked.login, secret: `mauvais ${i}`, ip });
    for (let i = 0; i < 5; i++)
      expect(await h.domain.login.authenticate({ login: blocked.login, secret: PASSWORD, ip })).toEqual({
        outcome: 'blocked',
      });
    // Still one failure left, as after the nine wrong ones; then the block.
    expect(await h.domain.login.authenticate({ login: blocked.login, secret: 'encore faux', ip })).toEqual({
      outcome: 'invalid',
    });
    expect(await h.domain.login.authenticate({ login: blocked.login, secret: PASSWORD, ip })).toEqual({
      outcome: 'throttled',
      retryAfterSeconds: 60,
    });
  });

  it('doubles the block on each further failure once a block is over, up to an hour', async () => {
    const ip = '203.0.113.3';
    for (let i = 0; i < 10; i++) expect(await failOnce(h.domain, 'victime', ip)).toBe(true);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push(await refusedFor(h.domain, 'victime', ip));
      await endBlocks(ip);
      expect(await failOnce(h.domain, 'victime', ip)).toBe(true); // the one attempt after a block
    }
    expect(delays).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('limits one IP across identifiants', async () => {
    const config = { ...h.config, throttle: { ...h.config.throttle, maxFailuresPerIp: 5 } };
    const domain = createDomain({ config, db: h.db, logger: createLogger('silent') });
    for (let i = 0; i < 5; i++) expect(await failOnce(domain, `inconnu.${i}`, '203.0.113.4')).toBe(true);
    expect(await refusedFor(domain, 'encore.un.autre', '203.0.113.4')).toBe(60);
    expect(await refusedFor(domain, 'encore.un.autre', '203.0.113.5')).toBe(0);
  });

  it('keeps its state in the database: it survives closing and reopening it', async () => {
    for (let i = 0; i < 10; i++) await failOnce(h.domain, 'persistant', '203.0.113.6');
    expect(await refusedFor(h.domain, 'persistant', '203.0.113.6')).toBe(60);
    await h.db.close();
    const reopened = await openDatabase({ url: h.url, poolSize: 2, timeoutMs: 5000 });
    try {
      const domain = createDomain({ config: h.config, db: reopened, logger: createLogger('silent') });
      expect(await refusedFor(domain, 'persistant', '203.0.113.6')).toBeGreaterThan(0);
      expect(await refusedFor(domain, 'persistant', '203.0.113.7')).toBe(0);
    } finally {
      await reopened.close();
    }
  });
});
