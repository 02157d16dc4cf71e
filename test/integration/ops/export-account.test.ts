// The right-of-access export (GDPR art. 15): a pupil with a password, a class, a parent, a
// live code, a grant and audit events; the JSON holds them and no secret (hash, code,
// digest, ciphertext, grant payload).
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../src/config/index.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { createLogger } from '../../../src/logger.js';
import { OidcArtifact, OneTimeCode } from '../../../src/db/entities/index.js';
import { exportAccount } from '../../../src/domain/account-export.js';
import { openTestDatabase } from '../../helpers/db.js';
import {
  addMembership,
  createAccount,
  createClass,
  createStructure,
  linkRelative,
  SCHOOL_YEAR,
} from '../../helpers/factories.js';
import { childEnv, cli, errorLines, requireBuild } from './harness.js';

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let domain: Domain;
beforeAll(async () => {
  t = await openTestDatabase();
  domain = createDomain({
    config: loadConfig({ env: { NODE_ENV: 'test', DATABASE_URL: t.url } }),
    db: t.db,
    logger: createLogger('silent'),
  });
});
afterAll(() => t.cleanup());

describe('export-account', () => {
  it('prints the person’s data and no secret', async () => {
    requireBuild();
    const school = await createStructure(t.db, { uai: '0800098Y', name: 'École Export' });
    const cls = await createClass(t.db, { structureId: school.id, name: 'CE2', schoolYear: SCHOOL_YEAR });
    const pupil = await createAccount(t.db, {
      login: 'zoe.export',
      firstName: 'Zoé',
      lastName: 'Export',
      profile: 'Student',
      structureId: school.id,
      password: 'un-mot-de-passe-long',
    });
    const parent = await createAccount(t.db, {
      login: 'marc.export',
      firstName: 'Marc',
      lastName: 'Export',
      profile: 'Relative',
    });
    await addMembership(t.db, pupil.id, cls.id);
    await linkRelative(t.db, parent.id, pupil.id);
    const { code } = await t.db.transaction((m) =>
      domain.codes.generate(m, { accountId: pupil.id, kind: 'renewal', createdBy: null, classId: cls.id }),
    );
    const grantPayload = JSON.stringify({
      clientId: 'ent-mail',
      openid: { scope: 'openid profile' },
      iat: 1_760_000_000,
      jti: 'grant-secret-jti',
    });
    await t.db.transaction((m) =>
      m.insert(OidcArtifact, {
        model: 'Grant',
        id: `g-${randomUUID()}`,
        payload: grantPayload,
        grantId: null,
        uid: null,
        userCode: null,
        accountId: pupil.id,
        expiresAt: new Date(Date.now() + 86400_000),
        consumedAt: null,
      }),
    );

    const data = await exportAccount(t.db, 'Zoe.Export ');
    expect(data.account).toMatchObject({ identifiant: 'zoe.export', firstName: 'Zoé', hasPassword: true });
    expect(data.account.school).toEqual({ uai: '0800098Y', name: 'École Export' });
    expect(data.classes).toEqual([{ name: 'CE2', schoolYear: SCHOOL_YEAR }]);
    expect(data.relatives).toEqual([
      { identifiant: 'marc.export', firstName: 'Marc', lastName: 'Export', profile: 'Relative' },
    ]);
    expect(data.oneTimeCodes).toHaveLength(1);
    expect(data.oneTimeCodes[0]!.kind).toBe('renewal');
    expect(data.applications).toEqual([
      expect.objectContaining({ application: 'ent-mail', scopes: ['openid', 'profile'] }),
    ]);
    expect(data.auditEvents.map((e) => e.action)).toContain('code.generate');

    const run = await cli(['export-account', 'zoe.export'], childEnv({ DATABASE_URL: t.url }));
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as typeof data;
    expect(printed.account.identifiant).toBe('zoe.export');
    const stored = await t.db.read((m) => m.findOneByOrFail(OneTimeCode, { accountId: pupil.id }));
    for (const secret of [
      code,
      stored.codeDigest,
      stored.codeCiphertext,
      pupil.passwordHash!,
      'grant-secret-jti',
      '$argon2',
    ])
      expect(run.stdout).not.toContain(secret);

    const missing = await cli(['export-account', 'personne.inconnue'], childEnv({ DATABASE_URL: t.url }));
    expect(missing.code).toBe(1);
  });
});
