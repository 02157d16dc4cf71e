import { scrubDetail } from '../../../src/domain/audit.js';
import { frenchDuration } from '../../../src/domain/recovery-mails.js';
import { blockSeconds, throttleKey, throttleSubject } from '../../../src/domain/throttle.js';

describe('audit detail scrubbing', () => {
  it('drops keys that may hold a secret, at any depth, and keeps ids and kinds', () => {
    const { clean, removed } = scrubDetail({
      clientId: 'app',
      codeId: 'c1',
      codeKind: 'renewal',
      password: 'x',
      newPassword: 'y',
      code: 'yxs7ce5d',
      nested: { client_secret: 's', resetToken: 't', passwordHash: 'h', reason: 'ok' },
      list: [{ token: 'z', n: 1 }],
    });
    expect(clean).toEqual({
      clientId: 'app',
      codeId: 'c1',
      codeKind: 'renewal',
      nested: { reason: 'ok' },
      list: [{ n: 1 }],
    });
    expect(removed.sort()).toEqual([
      'client_secret',
      'code',
      'newPassword',
      'password',
      'passwordHash',
      'resetToken',
      'token',
    ]);
  });
});

describe('throttle arithmetic', () => {
  it('blocks 60 s at the limit, doubling per further failure, capped at 1 h', () => {
    expect([10, 11, 12, 13, 14, 15, 16, 17, 40].map((n) => blockSeconds(n, 10))).toEqual([
      60, 120, 240, 480, 960, 1920, 3600, 3600, 3600,
    ]);
  });

  it('keys by normalized identifiant and IP, bounded in length', () => {
    expect(throttleKey('  Enfant.Test ', '10.0.0.1')).toBe('enfant.test|10.0.0.1');
    expect(throttleKey('x'.repeat(500), '::1').length).toBeLessThan(100);
  });

  it('counts an IPv6 client as its /64: addresses of one /64 share a key, two /64s do not', () => {
    const oneLan = ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff:abcd:0:9', '2001:db8:1:2:a::', '2001:db8:1:2::1%eth0'];
    expect(new Set(oneLan.map(throttleSubject))).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(new Set(oneLan.map((ip) => throttleKey('enfant.test', ip)))).toEqual(
      new Set(['enfant.test|2001:db8:1:2::/64']),
    );
    expect(throttleSubject('2001:db8:1:3::1')).not.toBe(throttleSubject('2001:db8:1:2::1'));
    expect(throttleKey('enfant.test', '2001:db8:1:3::1')).not.toBe(throttleKey('enfant.test', '2001:db8:1:2::1'));
    expect(throttleSubject('::1')).toBe('0:0:0:0::/64');
  });

  it('keeps IPv4 as is and counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(throttleSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleSubject('203.0.113.8')).toBe('203.0.113.8');
    expect(throttleSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleSubject('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(throttleKey('enfant.test', '::ffff:203.0.113.7')).toBe(throttleKey('enfant.test', '203.0.113.7'));
    expect(throttleSubject('unknown')).toBe('unknown');
  });
});

describe('mail texts', () => {
  it('says durations in French', () => {
    expect(frenchDuration(3600)).toBe('1 heure');
    expect(frenchDuration(7200)).toBe('2 heures');
    expect(frenchDuration(1800)).toBe('30 minutes');
    expect(frenchDuration(86400)).toBe('1 jour');
  });
});
