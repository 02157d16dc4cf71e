import { openDatabase } from '../../../src/db/index.js';
import { createDomain } from '../../../src/domain/index.js';
import { createLogger } from '../../../src/logger.js';
import { createAccount } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

const PASSWORD = 'une phrase de passe solide';

describe('failed-login throttling', () => {
  it('throttles the 11th attempt for (identifiant, IP) while another IP still passes; success resets', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    const { throttle, login } = h.domain;
    expect(h.config.throttle.maxFailures).toBe(10);
    for (let i = 0; i < 9; i++) await throttle.recordFailure(child.login, '203.0.113.1');
    expect(await throttle.check(child.login, '203.0.113.1')).toEqual({ allowed: true });
    expect(await login.authenticate({ login: child.login, secret: 'mauvais mot de passe', ip: '203.0.113.1' })).toEqual({ outcome: 'invalid' });

    const blocked = await login.authenticate({ login: child.login, secret: PASSWORD, ip: '203.0.113.1' });
    expect(blocked).toEqual({ outcome: 'throttled', retryAfterSeconds: 60 });
    expect(await throttle.check(` ${child.login.toUpperCase()} `, '203.0.113.1')).toMatchObject({ allowed: false });
    // The child, elsewhere, is not locked out by an attacker.
    expect(await login.authenticate({ login: child.login, secret: PASSWORD, ip: '203.0.113.2' })).toMatchObject({ outcome: 'password' });

    await throttle.recordSuccess(child.login, '203.0.113.1');
    expect(await throttle.check(child.login, '203.0.113.1')).toEqual({ allowed: true });
  });

  it('doubles the block on each further failure, up to an hour', async () => {
    const { throttle } = h.domain;
    for (let i = 0; i < 10; i++) await throttle.recordFailure('victime', '203.0.113.3');
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await throttle.check('victime', '203.0.113.3');
      delays.push(res.allowed ? 0 : res.retryAfterSeconds);
      await throttle.recordFailure('victime', '203.0.113.3'); // a further failure once the block is over
    }
    expect(delays).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('limits one IP across identifiants', async () => {
    const config = { ...h.config, throttle: { ...h.config.throttle, maxFailuresPerIp: 5 } };
    const domain = createDomain({ config, db: h.db, logger: createLogger('silent') });
    for (let i = 0; i < 5; i++) await domain.throttle.recordFailure(`inconnu.${i}`, '203.0.113.4');
    expect(await domain.throttle.check('encore.un.autre', '203.0.113.4')).toMatchObject({ allowed: false });
    expect(await domain.throttle.check('encore.un.autre', '203.0.113.5')).toEqual({ allowed: true });
  });

  it('keeps its state in the database: it survives closing and reopening it', async () => {
    for (let i = 0; i < 10; i++) await h.domain.throttle.recordFailure('persistant', '203.0.113.6');
    expect(await h.domain.throttle.check('persistant', '203.0.113.6')).toMatchObject({ allowed: false });
    await h.db.close();
    const reopened = await openDatabase({ url: h.url, poolSize: 2, timeoutMs: 5000 });
    try {
      const domain = createDomain({ config: h.config, db: reopened, logger: createLogger('silent') });
      expect(await domain.throttle.check('persistant', '203.0.113.6')).toMatchObject({ allowed: false });
      expect(await domain.throttle.check('persistant', '203.0.113.7')).toEqual({ allowed: true });
    } finally {
      await reopened.close();
    }
  });
});
