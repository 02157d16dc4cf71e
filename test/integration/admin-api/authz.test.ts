// Who may call what: a teacher of class A gets 404 for anything of class B (and a list
// mixing A and B changes nothing); bad tokens get 401; application tokens without a user
// 403. (The page's cookie session and its CSRF token: admin-page/session.test.ts.)
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { client, registerClient } from '../../helpers/oidc.js';
import { grantRole } from '../../helpers/factories.js';
import { loadSigningJwks } from '../../../src/oidc/keys.js';
import { Account } from '../../../src/db/entities/index.js';
import { NOT_FOUND_MESSAGE } from '../../../src/domain/admin/index.js';
import { API, openBench, type Bench } from './harness.js';

let bench: Bench;
let tokenA: string;

beforeAll(async () => {
  bench = await openBench();
  tokenA = await bench.tokenFor(bench.school.teacherA.login);
});

afterAll(async () => {
  await bench?.ts.stop();
});

const writes = [
  '/v1/renewal-codes',
  '/v1/accounts/block',
  '/v1/accounts/unblock',
  '/v1/password-resets',
  '/v1/connection-sheets',
];

describe('class A’s teacher and class B', () => {
  it('gets 404 for class B on every class route, like an unknown class', async () => {
    const { classB } = bench.school;
    for (const id of [classB.id, randomUUID()]) {
      for (const path of [
        `/v1/classes/${id}/accounts`,
        `/v1/classes/${id}/accounts?profile=Relative`,
        `/v1/classes/${id}/audit`,
      ]) {
        const res = await bench.api(tokenA, 'GET', path);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ status: 404, code: 'not_found' });
      }
    }
    expect((await bench.api(tokenA, 'GET', '/v1/classes')).body.items.map((c: { id: string }) => c.id)).toEqual([
      bench.school.classA.id,
    ]);
  });

  it('gets 404 for any account of class B, and a list mixing A and B changes nothing', async () => {
    const { db, domain } = bench.ts.server;
    const { studentsA, studentsB, relativesA, relativesB, colleagueA, personnelA, classA } = bench.school;
    const snapshot = async () => ({
      accounts: await db.read((m) => m.find(Account, { order: { id: 'ASC' } })),
      codes: await domain.codes.liveCodes([...studentsA, ...studentsB, ...relativesA, ...relativesB].map((a) => a.id)),
      audit: (await domain.audit.listForClass(classA.id, { limit: 500 })).length,
    });
    const before = await snapshot();
    const forbidden = [
      studentsB[0]!.id,
      studentsB[1]!.id,
      relativesB[0]!.id,
      colleagueA.id,
      personnelA.id,
      randomUUID(),
    ];
    for (const path of writes) {
      for (const other of forbidden) {
        const res = await bench.api(tokenA, 'POST', path, { accountIds: [studentsA[1]!.id, relativesA[1]!.id, other] });
        expect([path, res.status]).toEqual([path, 404]);
        // The words of the page's 404 too (admin-page/session.test.ts).
        expect(res.body).toMatchObject({ code: 'not_found', detail: NOT_FOUND_MESSAGE });
      }
    }
    const after = await snapshot();
    expect(after.accounts).toEqual(before.accounts);
    expect([...after.codes.values()].map((c) => c.id).sort()).toEqual(
      [...before.codes.values()].map((c) => c.id).sort(),
    );
    expect(after.audit).toBe(before.audit);
  });

  it('a school admin acts on every account of the structure', async () => {
    const { db } = bench.ts.server;
    await grantRole(db, bench.school.colleagueA.id, 'school-admin', bench.school.structure.id);
    const token = await bench.tokenFor(bench.school.colleagueA.login);
    expect((await bench.api(token, 'GET', '/v1/classes')).body.items).toHaveLength(2);
    const res = await bench.api(token, 'POST', '/v1/renewal-codes', {
      accountIds: [bench.school.studentsB[1]!.id, bench.school.teacherB.id],
    });
    expect(res.status).toBe(200);
    const teachers = await bench.api(token, 'GET', `/v1/classes/${bench.school.classB.id}/accounts?profile=Teacher`);
    expect(teachers.body.items[0]).toMatchObject({
      id: bench.school.teacherB.id,
      state: 'renewal_code',
      code: expect.any(String),
    });
    const self = await bench.api(token, 'POST', '/v1/accounts/block', { accountIds: [bench.school.colleagueA.id] });
    expect(self).toMatchObject({ status: 400, body: { code: 'self_block' } });
  });
});

describe('tokens', () => {
  let es256: jose.CryptoKey | Uint8Array;
  let kid: string;
  const sign = (
    claims: jose.JWTPayload,
    options: { key?: jose.CryptoKey | Uint8Array; kid?: string; typ?: string; alg?: string } = {},
  ) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? kid, typ: options.typ ?? 'at+jwt' })
      .sign(options.key ?? es256);
  const valid = (): jose.JWTPayload => ({
    iss: bench.ts.url,
    aud: bench.ts.config.admin.audience,
    sub: bench.school.teacherA.id,
    scope: 'class-admin',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 300,
    jti: randomUUID(),
  });

  beforeAll(async () => {
    const { keys } = await loadSigningJwks(bench.ts.server.db, bench.ts.config);
    const jwk = keys.find((k) => k.alg === 'ES256' || k.crv === 'P-256')!;
    kid = jwk.kid!;
    es256 = await jose.importJWK(jwk, 'ES256');
  });

  it('accepts a well-formed token signed by the issuer (the forging itself is sound)', async () => {
    expect((await bench.api(await sign(valid()), 'GET', '/v1/me')).status).toBe(200);
  });

  it('refuses with 401 invalid_token: no token, no scope, wrong audience, expired, unknown key, wrong issuer, wrong typ, alg none', async () => {
    const { privateKey: stranger } = await jose.generateKeyPair('ES256');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(valid())).toString('base64url')}.`;
    const cases: [string, string | null][] = [
      ['no token', null],
      ['garbage', 'abc.def.ghi'],
      ['no class-admin scope', await sign({ ...valid(), scope: 'openid profile' })],
      ['wrong audience', await sign({ ...valid(), aud: 'https://autre.example.test/api' })],
      [
        'expired',
        await sign({
          ...valid(),
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        }),
      ],
      ['unknown key', await sign(valid(), { key: stranger, kid: 'inconnue' })],
      ['unknown key, known kid', await sign(valid(), { key: stranger })],
      ['wrong issuer', await sign({ ...valid(), iss: 'https://pirate.example.test' })],
      ['ID-token typ', await sign(valid(), { typ: 'JWT' })],
      ['alg none', none],
      ['unknown account', await sign({ ...valid(), sub: randomUUID() })],
    ];
    for (const [name, token] of cases) {
      for (const [method, path, body] of [
        ['GET', '/v1/me', undefined],
        ['POST', '/v1/renewal-codes', { accountIds: [bench.school.studentsA[1]!.id] }],
      ] as const) {
        const res = await bench.api(token, method, path, body);
        expect([name, path, res.status]).toEqual([name, path, 401]);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        if (token) expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    }
  });

  it('refuses a real token issued for the userinfo endpoint (opaque, not for this audience)', async () => {
    const app = await registerClient(bench.ts, { clientId: 'ent-agenda' });
    const { signIn } = await import('../../helpers/oidc.js');
    const { tokens } = await signIn(app, bench.school.teacherA.login, 'une phrase de passe solide');
    expect((await bench.api(tokens.access_token, 'GET', '/v1/me')).status).toBe(401);
  });

  it('refuses a client_credentials token (no user behind it) with 403', async () => {
    const service = await registerClient(bench.ts, {
      clientId: 'ent-sync',
      grantTypes: ['client_credentials'],
      scopes: ['class-admin'],
    });
    const tokens = await client.clientCredentialsGrant(service.config, {
      resource: bench.ts.config.admin.audience,
      scope: 'class-admin',
    });
    const res = await bench.api(tokens.access_token, 'GET', '/v1/classes');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  it('refuses a blocked teacher at once, even with a valid token', async () => {
    const token = await bench.tokenFor(bench.school.teacherB.login);
    expect((await bench.api(token, 'GET', '/v1/me')).status).toBe(200);
    await bench.ts.server.db.transaction((m) =>
      m.update(Account, { id: bench.school.teacherB.id }, { blockedAt: new Date() }),
    );
    expect((await bench.api(token, 'GET', '/v1/me')).status).toBe(401);
    await bench.ts.server.db.transaction((m) =>
      m.update(Account, { id: bench.school.teacherB.id }, { blockedAt: null }),
    );
  });
});

describe('the OpenAPI document', () => {
  it('is served without authentication, documents every route, and the suite’s responses matched it', async () => {
    const res = await fetch(`${bench.ts.url}${API}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      servers: { url: string }[];
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: API }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearerAuth', 'cookieAuth']);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/openapi.json',
      '/v1/accounts/block',
      '/v1/accounts/unblock',
      '/v1/classes',
      '/v1/classes/{classId}/accounts',
      '/v1/classes/{classId}/audit',
      '/v1/connection-sheets',
      '/v1/me',
      '/v1/password-resets',
      '/v1/renewal-codes',
    ]);
    // Unknown paths and methods are problem+json too.
    const wrongMethod = await fetch(`${bench.ts.url}${API}/v1/renewal-codes`, {
      headers: { authorization: `Bearer ${tokenA}` },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await fetch(`${bench.ts.url}${API}/v1/nope`, { headers: { authorization: `Bearer ${tokenA}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('caching', () => {
  it('the OpenAPI document names the mount point whatever the typed path (one document, not one per variant)', async () => {
    for (const variant of [
      '/admin/API/openapi.json',
      '/admin/api/OpenAPI.json',
      '/admin/api/openapi.json/',
      '/ADMIN/api/openapi.json?x=1',
    ]) {
      const res = await fetch(`${bench.ts.url}${variant}`);
      if (res.status !== 200) continue; // a variant the router refuses costs nothing either
      const doc = (await res.json()) as { servers: { url: string }[] };
      expect([variant, doc.servers]).toEqual([variant, [{ url: API }]]);
    }
  });

  it('every /v1 answer is Cache-Control: no-store — live codes in a listing, errors too', async () => {
    const { classA, studentsA } = bench.school;
    await bench.api(tokenA, 'POST', '/v1/renewal-codes', { accountIds: [studentsA[1]!.id] });
    const listing = await bench.api(tokenA, 'GET', `/v1/classes/${classA.id}/accounts`);
    expect(listing.body.items.some((r: { code?: string }) => r.code)).toBe(true);
    expect(listing.headers.get('cache-control')).toBe('no-store');
    for (const path of [
      '/v1/me',
      '/v1/classes',
      `/v1/classes/${classA.id}/audit`,
      `/v1/classes/${bench.school.classB.id}/accounts`,
    ]) {
      expect([path, (await bench.api(tokenA, 'GET', path)).headers.get('cache-control')]).toEqual([path, 'no-store']);
    }
  });
});
