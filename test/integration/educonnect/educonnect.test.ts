// Issue 19: « Se connecter avec ÉduConnect » against a stand-in ÉduConnect built in the test
// suite (its own key and metadata, signed Responses with the real attribute names): our SP
// metadata, the signed AuthnRequest, the first link with a code, later sign-ins by the link,
// an exact link by national id, a parent with two children, a parent in two schools, a
// blocked account, and every bad Response refused — French page, audited, never linked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { In } from 'typeorm';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  exchange,
  registerClient,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  signIn,
  type AuthorizationRequest,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount, createStructure, linkRelative } from '../../helpers/factories.js';
import {
  IDP_SLO,
  IDP_SSO,
  makeEduconnectIdp,
  type EduconnectPerson,
  type StandInIdp,
} from '../../helpers/educonnect-idp.js';
import { seedSchool, PASSWORD, type School } from '../admin-api/harness.js';
import { adminSignIn } from '../security/web.js';
import { importRoster, RosterInvalid } from '../../../src/domain/roster/index.js';
import { Account, AuditEvent, FederationLink, NationalId } from '../../../src/db/entities/index.js';
import { rotateSigningKeys } from '../../../src/oidc/keys.js';

let ts: TestServer;
let school: School;
let app: RegisteredClient;
let idp: StandInIdp;
let sp: string;
let acs: string;

beforeAll(async () => {
  idp = await makeEduconnectIdp();
  const dir = mkdtempSync(join(tmpdir(), 'ent-idp-educonnect-'));
  writeFileSync(join(dir, 'idp.xml'), idp.metadata());
  ts = await startTestServer({ env: { EDUCONNECT_IDP_METADATA: join(dir, 'idp.xml') } });
  school = await seedSchool(ts);
  app = await registerClient(ts, { clientId: 'ent-vie-scolaire', scopes: ['openid', 'profile', 'ent'] });
  sp = `${ts.url}/saml/sp/metadata`;
  acs = `${ts.url}/saml/sp/acs`;
}, 60_000);
afterAll(() => ts?.stop());

interface Started {
  browser: Browser;
  request: AuthorizationRequest;
  saml: { id: string; acs: string; issuer: string; relayState: string; signed: boolean };
}

/** The application's authorize → CONNEXION → « Se connecter avec ÉduConnect » → the AuthnRequest. */
async function start(browser = new Browser()): Promise<Started> {
  const request = await authorizationRequest(app, { scope: 'openid profile ent' });
  const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  expect(connexion.html).toContain('Se connecter avec ÉduConnect');
  const uid = /\/interaction\/([\w-]+)\/login/.exec(connexion.html)![1]!;
  const redirect = await browser.request(`${ts.url}/interaction/${uid}/educonnect`);
  expect(redirect.status).toBe(302);
  const location = redirect.headers.get('location')!;
  expect(location.startsWith(IDP_SSO)).toBe(true);
  return { browser, request, saml: idp.readRequest(location) };
}

/** ÉduConnect's browser POST to our ACS, then wherever we send the browser. */
const answer = (s: Started, samlResponse: string, relayState = s.saml.relayState) =>
  s.browser.go(acs, { form: { SAMLResponse: samlResponse, RelayState: relayState }, stopAt: REDIRECT_URI });

const respond = (s: Started, person: EduconnectPerson, extra: Partial<Parameters<StandInIdp['response']>[0]> = {}) =>
  idp.response({ inResponseTo: s.saml.id, acs, audience: sp, person, ...extra });

const pupil = (id: string, more: EduconnectPerson = {}): EduconnectPerson => ({
  FrEduCtId: id,
  FrEduCtPersonAffiliation: 'eleve1d',
  sn: 'Lefèvre',
  givenName: 'Éloïse',
  FrEduCtDateNaissance: '2011-02-03',
  FrEduCtEleveUAI: '0800001A',
  FrEduUrlRetour: 'https://educonnect.test/idp/logout',
  ...more,
});

const subOf = async (s: Started, page: Page) => {
  expect(page.url.startsWith(REDIRECT_URI)).toBe(true);
  return (await exchange(app, page.url, s.request)).claims()!.sub;
};

const linksOf = (accountId: string) => ts.server.db.read((m) => m.find(FederationLink, { where: { accountId } }));

describe('our service provider', () => {
  test('metadata: entity id, HTTP-POST ACS, signed requests, a signing and an encryption key', async () => {
    const res = await fetch(sp);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${sp}"`);
    expect(xml).toMatch(/AuthnRequestsSigned="true"/);
    expect(xml).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}"`);
    expect(xml).toMatch(/KeyDescriptor use="signing"/);
    expect(xml).toMatch(/KeyDescriptor use="encryption"/);
    expect(xml).toContain(`Location="${ts.url}/saml/sp/slo"`);
  });

  test('the AuthnRequest is signed (RSA-SHA256), from our entity, for our ACS', async () => {
    const s = await start();
    expect(s.saml).toMatchObject({ acs, issuer: sp, signed: true });
    expect(s.saml.relayState).toMatch(/^[\w-]+$/);
  });
});

describe('linking and signing in', () => {
  test('first time: no link, the pupil proves the account with a code, chooses a password, is signed in', async () => {
    const eloise = school.studentsA[1]!;
    const { code } = await ts.server.domain.codes.issue({ accountId: eloise.id, kind: 'activation', createdBy: null });
    const s = await start();
    const linkPage = await answer(s, respond(s, pupil('ec-eloise')));
    expect(linkPage.status).toBe(200);
    expect(linkPage.html).toContain('Relier votre compte ÉduConnect');
    expect(linkPage.html).toContain('Éloïse Lefèvre');
    expect(await linksOf(eloise.id)).toEqual([]);
    // A wrong secret links nothing.
    const wrong = await s.browser.submit(linkPage, '/educonnect/lier', {
      identifiant: eloise.login,
      mot_de_passe: 'faux',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('Identifiant ou mot de passe incorrect');
    expect(await linksOf(eloise.id)).toEqual([]);
    const passwordPage = await s.browser.submit(wrong, '/educonnect/lier', {
      identifiant: eloise.login,
      mot_de_passe: code,
    });
    expect(passwordPage.html).toContain('Activation de votre compte');
    const done = await s.browser.submit(
      passwordPage,
      '/mot-de-passe',
      { nouveau_mot_de_passe: 'mon cartable est rouge', confirmation: 'mon cartable est rouge' },
      REDIRECT_URI,
    );
    expect(await subOf(s, done)).toBe(eloise.id);
    expect(await linksOf(eloise.id)).toEqual([expect.objectContaining({ subject: 'ec-eloise', method: 'proof' })]);
  });

  test('later: the link signs her in at once, without CONNEXION', async () => {
    const s = await start();
    const page = await answer(s, respond(s, pupil('ec-eloise')));
    expect(await subOf(s, page)).toBe(school.studentsA[1]!.id);
    const events = await ts.server.db.read((m) =>
      m.find(AuditEvent, {
        where: { action: In(['educonnect.link', 'login.educonnect']), targetId: school.studentsA[1]!.id },
      }),
    );
    expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['educonnect.link:success', 'login.educonnect:success']),
    );
  });

  test('an exact national id links at once; a different birth date does not', async () => {
    const zorro = school.studentsA[3]!;
    await ts.server.db.transaction((m) =>
      m.insert(NationalId, { accountId: zorro.id, nationalId: 'ELV-4242', createdAt: new Date() }),
    );
    const liar = await start();
    const refused = await answer(
      liar,
      respond(liar, pupil('ec-other', { FrEduCtRefId: ['{AAF}20|ELV|ELV-4242'], FrEduCtDateNaissance: '2012-01-01' })),
    );
    expect(refused.html).toContain('Relier votre compte ÉduConnect');
    expect(await linksOf(zorro.id)).toEqual([]);

    const s = await start();
    const page = await answer(
      s,
      respond(s, pupil('ec-zorro', { FrEduCtRefId: ['{AAF}20|ELV|ELV-4242'], FrEduCtDateNaissance: '2011-05-05' })),
    );
    expect(await subOf(s, page)).toBe(zorro.id);
    expect(await linksOf(zorro.id)).toEqual([expect.objectContaining({ method: 'national_id' })]);
  });

  test('two sign-ins at once making the same national-id link: both signed in, one link', async () => {
    const pupilRace = await createAccount(ts.server.db, {
      structureId: school.structure.id,
      profile: 'Student',
      firstName: 'Rémi',
      lastName: 'Course',
      birthDate: '2011-09-09',
      classIds: [school.classA.id],
    });
    await ts.server.db.transaction((m) =>
      m.insert(NationalId, { accountId: pupilRace.id, nationalId: 'ELV-RACE', createdAt: new Date() }),
    );
    const person = pupil('ec-race', { FrEduCtRefId: ['{AAF}20|ELV|ELV-RACE'], FrEduCtDateNaissance: '2011-09-09' });
    const [a, b] = [await start(), await start()];
    const pages = await Promise.all([answer(a, respond(a, person)), answer(b, respond(b, person))]);
    expect(await subOf(a, pages[0])).toBe(pupilRace.id);
    expect(await subOf(b, pages[1])).toBe(pupilRace.id);
    expect(await linksOf(pupilRace.id)).toHaveLength(1);
  });

  test('a parent in two schools picks one account; one linked to two children sees both', async () => {
    const other = await createStructure(ts.server.db, { name: 'Collège Jules Verne', uai: '0800002B' });
    const child2 = await createAccount(ts.server.db, {
      structureId: other.id,
      profile: 'Student',
      firstName: 'Jules',
      lastName: 'Enfant',
      birthDate: '2009-01-01',
    });
    const parentThere = await createAccount(ts.server.db, {
      structureId: other.id,
      profile: 'Relative',
      firstName: 'Pierre',
      lastName: 'Enfant',
    });
    await linkRelative(ts.server.db, parentThere.id, child2.id);
    const parentHere = school.relativesA[0]!;
    await linkRelative(ts.server.db, parentHere.id, school.studentsA[2]!.id);
    await ts.server.db.transaction(async (m) => {
      await m.insert(NationalId, { accountId: parentHere.id, nationalId: 'RESP-77', createdAt: new Date() });
      await m.insert(NationalId, { accountId: parentThere.id, nationalId: 'RESP-78', createdAt: new Date() });
    });
    const person: EduconnectPerson = {
      FrEduCtId: 'ec-pierre',
      FrEduCtPersonAffiliation: 'resp1d',
      sn: 'Enfant',
      givenName: 'Pierre',
      FrEduCtRefId: ['{AAF}20|RESP|RESP-77', '{AAF}20|RESP|RESP-78'],
    };
    const s = await start();
    const choose = await answer(s, respond(s, person));
    expect(choose.html).toContain('Choisissez votre compte');
    expect(choose.html).toContain('École du Centre');
    expect(choose.html).toContain('Collège Jules Verne');
    // Only an account offered may be chosen.
    const form = formOf(choose, '/educonnect/choisir');
    const forged = await s.browser.go(new URL(form.action, choose.url).toString(), {
      form: { ...form.hidden, compte: school.teacherA.id },
    });
    expect(forged.status).toBe(400);
    const again = await start();
    const choose2 = await answer(again, respond(again, person));
    const picked = await again.browser.submit(choose2, '/educonnect/choisir', { compte: parentHere.id }, REDIRECT_URI);
    const tokens = await exchange(app, picked.url, again.request);
    expect(tokens.claims()!.sub).toBe(parentHere.id);
    const info = await client.fetchUserInfo(app.config, tokens.access_token, parentHere.id);
    const children = (info.ent_children ?? []) as { id?: string; sub?: string }[];
    expect(children.length).toBeGreaterThanOrEqual(2);
  });

  test('a blocked account is refused through ÉduConnect too', async () => {
    const eloise = school.studentsA[1]!;
    await ts.server.db.transaction((m) => m.update(Account, { id: eloise.id }, { blockedAt: new Date() }));
    try {
      const s = await start();
      const page = await answer(s, respond(s, pupil('ec-eloise')));
      expect(page.status).toBe(403);
      expect(page.html).toContain('bloqué');
    } finally {
      await ts.server.db.transaction((m) => m.update(Account, { id: eloise.id }, { blockedAt: null }));
    }
  });
});

describe('encrypted assertions', () => {
  /** The certificate our SP metadata gives for encryption (base64 DER), as ÉduConnect reads it. */
  const encryptionCertificate = async () => {
    const xml = await (await fetch(sp)).text();
    const descriptor = /<(?:md:)?KeyDescriptor use="encryption">([\s\S]*?)<\/(?:md:)?KeyDescriptor>/.exec(xml)![1]!;
    return /<(?:ds:)?X509Certificate>([^<]+)</.exec(descriptor)![1]!.replace(/\s+/g, '');
  };
  const encrypted = (s: Started, certificate: string) =>
    idp.encryptedResponse({ inResponseTo: s.saml.id, acs, audience: sp, person: pupil('ec-eloise') }, certificate);

  test('to our key: signed in; to another key: refused; after a key rotation, to the key ÉduConnect read before: signed in', async () => {
    const eloise = school.studentsA[1]!.id;
    const before = await encryptionCertificate();
    let s = await start();
    expect(await subOf(s, await answer(s, await encrypted(s, before)))).toBe(eloise);

    s = await start();
    const refused = await answer(s, await encrypted(s, idp.foreignCertificate));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('La réponse d’ÉduConnect n’est pas valable');

    // `ent-idp keys rotate --now`: ÉduConnect keeps encrypting to the key of the metadata it
    // last read until it reads it again; the superseded key is still ours meanwhile.
    await rotateSigningKeys(ts.server.db, ts.config, { now: true });
    expect(await ts.server.oidc.reloadKeys()).toBe(true);
    const after = await encryptionCertificate();
    expect(after).not.toBe(before);
    for (const certificate of [before, after]) {
      s = await start();
      expect(await subOf(s, await answer(s, await encrypted(s, certificate)))).toBe(eloise);
    }
  });

  // Our keys are several now (after the rotation above): each hostile Response goes through
  // the choice of the key as well as node-saml's checks.
  const tampered = async (s: Started, change: (xml: string) => string, extra: { foreignKey?: boolean } = {}) => {
    const b64 = await idp.encryptedResponse(
      { inResponseTo: s.saml.id, acs, audience: sp, person: pupil('ec-eloise'), signResponse: false, ...extra },
      await encryptionCertificate(),
    );
    return Buffer.from(change(Buffer.from(b64, 'base64').toString('utf8')), 'utf8').toString('base64');
  };
  const hostile: [string, (s: Started) => Promise<string>][] = [
    [
      'an encrypted key no key of ours opens',
      (s) =>
        tampered(s, (xml) =>
          xml.replace(/(<(?:\w+:)?EncryptedKey[\s\S]*?<(?:\w+:)?CipherValue>)[^<]+/, `$1${'A'.repeat(344)}`),
        ),
    ],
    [
      'two encrypted assertions',
      (s) => tampered(s, (xml) => xml.replace(/<saml:EncryptedAssertion>[\s\S]*<\/saml:EncryptedAssertion>/, '$&$&')),
    ],
    ['an assertion signed by another key, encrypted to ours', (s) => tampered(s, (xml) => xml, { foreignKey: true })],
    ['a document type declaration in front', (s) => tampered(s, (xml) => `<!DOCTYPE r [<!ENTITY x "y">]>${xml}`)],
  ];
  test.each(hostile)('refused: %s', async (_name, build) => {
    const s = await start();
    const before = await ts.server.db.read((m) => m.count(FederationLink));
    const page = await answer(s, await build(s));
    expect(page.status).toBe(400);
    expect(page.html).toContain('La réponse d’ÉduConnect n’est pas valable');
    expect(page.html).not.toMatch(/at \w+ \(|Error:/);
    expect(await ts.server.db.read((m) => m.count(FederationLink))).toBe(before);
  });

  test('an encrypted Response replayed signs in once', async () => {
    const s = await start();
    const response = await encrypted(s, await encryptionCertificate());
    expect(await subOf(s, await answer(s, response))).toBe(school.studentsA[1]!.id);
    const again = await answer(s, response);
    expect(again.status).toBe(400);
  });
});

describe('bad Responses: refused with a French page, audited, never linked', () => {
  const cases: [string, (s: Started) => string][] = [
    ['unsigned', (s) => respond(s, pupil('ec-bad-1'), { signAssertion: false, signResponse: false })],
    ['only the Response signed, not the assertion', (s) => respond(s, pupil('ec-bad-2'), { signAssertion: false })],
    ['signed by another key', (s) => respond(s, pupil('ec-bad-3'), { foreignKey: true })],
    [
      'wrapped signature',
      (s) => idp.wrapped({ inResponseTo: s.saml.id, acs, audience: sp, person: pupil('ec-bad-4') }, pupil('ec-evil')),
    ],
    ['expired (20 minutes old)', (s) => respond(s, pupil('ec-bad-5'), { skewMs: -20 * 60_000 })],
    ['for another audience', (s) => respond(s, pupil('ec-bad-6'), { audience: 'https://autre-ent.example/sp' })],
    ['attributes missing', (s) => respond(s, { FrEduCtId: 'ec-bad-7', sn: 'X' })],
    [
      'an unknown InResponseTo',
      () => idp.response({ inResponseTo: '_inconnu', acs, audience: sp, person: pupil('ec-bad-8') }),
    ],
    ['from another issuer', (s) => respond(s, pupil('ec-bad-9'), { issuer: 'https://faux-educonnect.example/idp' })],
    ['not base64 XML', () => Buffer.from('<<<not xml').toString('base64')],
    [
      'a document type declaration in front (SAML messages carry none)',
      (s) =>
        Buffer.from(
          `<!DOCTYPE r [<!ENTITY x "y">]>${Buffer.from(respond(s, pupil('ec-bad-10')), 'base64').toString('utf8')}`,
        ).toString('base64'),
    ],
  ];
  test.each(cases)('%s', async (_name, build) => {
    const s = await start();
    const before = await ts.server.db.read((m) => m.count(FederationLink));
    const page = await answer(s, build(s));
    expect(page.status).toBe(400);
    expect(page.html).toContain('La réponse d’ÉduConnect n’est pas valable');
    expect(page.html).not.toMatch(/at \w+ \(|Error:/);
    expect(await ts.server.db.read((m) => m.count(FederationLink))).toBe(before);
  });

  test('replayed: the same Response twice signs in once', async () => {
    const s = await start();
    const response = respond(s, pupil('ec-eloise'));
    const first = await answer(s, response);
    expect(first.url.startsWith(REDIRECT_URI)).toBe(true);
    const replay = await new Browser().go(acs, { form: { SAMLResponse: response, RelayState: s.saml.relayState } });
    expect(replay.status).toBe(400);
  });

  test('another interaction’s RelayState: refused (a Response is bound to its request)', async () => {
    const s = await start();
    const other = await start();
    const page = await answer(s, respond(s, pupil('ec-eloise')), other.saml.relayState);
    expect(page.status).toBe(400);
  });

  test('refusals are audited with their reason, never the Response', async () => {
    const events = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'login.educonnect', outcome: 'refused' } }),
    );
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.every((e) => (e.detail ?? '').length < 400)).toBe(true);
  });
});

describe('the roster’s national ids', () => {
  const header = 'uai;structure;classe;nom;prenom;date_naissance;profil;id_externe;parents_de;email;id_national';
  test('an id_national column links at once; a bad id is a line-numbered error and nothing is written', async () => {
    const uai = school.structure.uai;
    const csv = [
      header,
      `${uai};École du Centre;CM2 A;Martin;Lucas;14/03/2010;Élève;ext-lucas;;;ELV-9001`,
      `${uai};École du Centre;;Martin;Karim;;Parent;ext-karim;ext-lucas;;RESP-9001 RESP-9002`,
    ].join('\n');
    await importRoster(ts.server.domain, csv, { schoolYear: school.classA.schoolYear });
    const lucas = await ts.server.db.read((m) => m.findOneByOrFail(Account, { externalId: 'ext-lucas' }));
    const ids = await ts.server.db.read((m) => m.find(NationalId, { where: { accountId: lucas.id } }));
    expect(ids.map((n) => n.nationalId)).toEqual(['ELV-9001']);
    const bad = [header, `${uai};École du Centre;CM2 A;Martin;Léa;01/01/2010;Élève;ext-lea;;;pas un id!`].join('\n');
    await expect(importRoster(ts.server.domain, bad, { schoolYear: school.classA.schoolYear })).rejects.toThrow(
      RosterInvalid,
    );
    const teacherRow = [header, `${uai};École du Centre;CM2 A;Prof;Paul;;Enseignant;ext-paul;;;ENS-1`].join('\n');
    await expect(importRoster(ts.server.domain, teacherRow, { schoolYear: school.classA.schoolYear })).rejects.toThrow(
      RosterInvalid,
    );

    const s = await start();
    const page = await answer(
      s,
      respond(s, {
        FrEduCtId: 'ec-karim',
        FrEduCtPersonAffiliation: 'resp1d',
        sn: 'Martin',
        givenName: 'Karim',
        FrEduCtRefId: ['{AAF}20|RESP|RESP-9002'],
      }),
    );
    const karim = await ts.server.db.read((m) => m.findOneByOrFail(Account, { externalId: 'ext-karim' }));
    expect(await subOf(s, page)).toBe(karim.id);
  });
});

describe('on the admin page', () => {
  test('the teacher sees « ÉduConnect » on a linked pupil and unlinks; another class’s teacher cannot', async () => {
    const eloise = school.studentsA[1]!;
    expect((await linksOf(eloise.id)).length).toBe(1);
    const other = await adminSignIn(ts, school.teacherB.login, PASSWORD);
    const forbidden = await other.browser.go(`${ts.url}/admin/classes/${school.classA.id}/actions`, {
      form: { _csrf: other.csrf, action: 'delier-educonnect', ids: eloise.id },
    });
    expect(forbidden.status).toBe(404);
    expect((await linksOf(eloise.id)).length).toBe(1);

    const teacher = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    expect(teacher.page.html).toContain('ÉduConnect</span>');
    expect(teacher.page.html).toContain('DÉLIER ÉDUCONNECT');
    const done = await teacher.browser.go(`${ts.url}/admin/classes/${school.classA.id}/actions`, {
      form: { _csrf: teacher.csrf, action: 'delier-educonnect', ids: eloise.id },
    });
    expect(done.html).toContain('1 compte délié d’ÉduConnect');
    expect(await linksOf(eloise.id)).toEqual([]);
    const audit = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'educonnect.unlink', targetId: eloise.id } }),
    );
    expect(audit).toEqual([expect.objectContaining({ actorId: school.teacherA.id, outcome: 'success' })]);
    // Unlinked: the next ÉduConnect sign-in asks to prove the ENT account again.
    const s = await start();
    expect((await answer(s, respond(s, pupil('ec-eloise')))).html).toContain('Relier votre compte ÉduConnect');
  });
});

describe('logout toward ÉduConnect', () => {
  /** Signs enfant.test in through ÉduConnect (linked by proof), returns the browser and ID token. */
  async function signedInWithEduconnect(): Promise<{ s: Started; idToken: string }> {
    const child = school.studentsA[0]!;
    const s = await start();
    const linkPage = await answer(s, respond(s, pupil('ec-enfant', { sn: 'enfant', givenName: 'test' })));
    const callback = linkPage.url.startsWith(REDIRECT_URI)
      ? linkPage
      : await s.browser.submit(
          linkPage,
          '/educonnect/lier',
          { identifiant: child.login, mot_de_passe: PASSWORD },
          REDIRECT_URI,
        );
    const tokens = await exchange(app, callback.url, s.request);
    expect(tokens.claims()!.sub).toBe(child.id);
    return { s, idToken: tokens.id_token! };
  }

  /** « Se déconnecter » from the application: where the browser goes after the provider's logout. */
  async function logOut(browser: Browser, idToken: string): Promise<Page> {
    const confirm = await browser.go(
      `${ts.url}/session/end?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT_URI)}`,
    );
    return browser.submit(confirm, '/session/end/confirm', { logout: 'yes' }, 'https://');
  }

  test('a signed LogoutRequest goes to ÉduConnect; its LogoutResponse brings the browser back to the application', async () => {
    const { s, idToken } = await signedInWithEduconnect();
    const toIdp = await logOut(s.browser, idToken);
    expect(toIdp.url.startsWith(IDP_SLO)).toBe(true);
    const request = idp.readLogoutRequest(toIdp.url);
    expect(request).toMatchObject({ signed: true });
    expect(request.nameId).toMatch(/^_[0-9a-f]{32}$/);
    expect(request.sessionIndex).toMatch(/^_[0-9a-f]{32}$/);
    const query = idp.logoutResponse({
      inResponseTo: request.id,
      destination: `${ts.url}/saml/sp/slo`,
      relayState: request.relayState,
    });
    const back = await s.browser.go(`${ts.url}/saml/sp/slo?${query}`, { stopAt: POST_LOGOUT_URI });
    expect(back.url.startsWith(POST_LOGOUT_URI)).toBe(true);
    // Logged out of the ENT: the application's next sign-in shows CONNEXION again.
    const again = await s.browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
    expect(again.html).toContain('mot_de_passe');
  });

  test('a LogoutResponse signed by another key, or replayed: no redirect, a page saying so', async () => {
    const { s, idToken } = await signedInWithEduconnect();
    const request = idp.readLogoutRequest((await logOut(s.browser, idToken)).url);
    const forged = idp.logoutResponse({
      inResponseTo: request.id,
      destination: `${ts.url}/saml/sp/slo`,
      relayState: request.relayState,
      foreignKey: true,
    });
    const page = await s.browser.go(`${ts.url}/saml/sp/slo?${forged}`, { stopAt: POST_LOGOUT_URI });
    expect(page.status).toBe(200);
    expect(page.html).toContain('ÉduConnect n’a pas confirmé');
    const genuine = idp.logoutResponse({
      inResponseTo: request.id,
      destination: `${ts.url}/saml/sp/slo`,
      relayState: request.relayState,
    });
    // The cookie is gone: even the genuine answer, late, only says « déconnecté ».
    const late = await s.browser.go(`${ts.url}/saml/sp/slo?${genuine}`, { stopAt: POST_LOGOUT_URI });
    expect(late.status).toBe(200);
  });

  test('a password sign-in’s logout does not go to ÉduConnect', async () => {
    const { tokens, browser } = await signIn(app, school.studentsA[0]!.login, PASSWORD);
    const page = await logOut(browser, tokens.id_token!);
    expect(page.url.startsWith(POST_LOGOUT_URI)).toBe(true);
  });
});

describe('logout toward ÉduConnect without a SingleLogoutService', () => {
  test('the browser is sent to FrEduUrlRetour after the ENT’s logout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ent-idp-educonnect-noslo-'));
    const metadata = idp.metadata().replace(/<md:SingleLogoutService[^>]*\/>/, '');
    expect(metadata).not.toContain('SingleLogoutService');
    writeFileSync(join(dir, 'idp.xml'), metadata);
    const other = await startTestServer({ env: { EDUCONNECT_IDP_METADATA: join(dir, 'idp.xml') } });
    try {
      const child = await createAccount(other.server.db, { profile: 'Student', password: PASSWORD });
      const rc = await registerClient(other, { clientId: 'sans-slo' });
      const browser = new Browser();
      const request = await authorizationRequest(rc);
      const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
      const uid = /\/interaction\/([\w-]+)\/login/.exec(connexion.html)![1]!;
      const saml = idp.readRequest(
        (await browser.request(`${other.url}/interaction/${uid}/educonnect`)).headers.get('location')!,
      );
      const otherAcs = `${other.url}/saml/sp/acs`;
      const response = idp.response({
        inResponseTo: saml.id,
        acs: otherAcs,
        audience: `${other.url}/saml/sp/metadata`,
        person: pupil('ec-noslo', { FrEduUrlRetour: 'https://educonnect.test/idp/logout' }),
      });
      const linkPage = await browser.go(otherAcs, { form: { SAMLResponse: response, RelayState: saml.relayState } });
      const callback = await browser.submit(
        linkPage,
        '/educonnect/lier',
        { identifiant: child.login, mot_de_passe: PASSWORD },
        REDIRECT_URI,
      );
      const tokens = await exchange(rc, callback.url, request);
      const confirm = await browser.go(
        `${other.url}/session/end?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT_URI)}`,
      );
      const out = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' }, 'https://');
      expect(out.url).toBe('https://educonnect.test/idp/logout');
    } finally {
      await other.stop();
    }
  });
});

describe('ÉduConnect’s metadata, read again', () => {
  test('a new ÉduConnect certificate is trusted without a restart; a broken reading keeps the last good one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ent-idp-educonnect-refresh-'));
    const file = join(dir, 'idp.xml');
    writeFileSync(file, idp.metadata());
    const other = await startTestServer({
      env: { EDUCONNECT_IDP_METADATA: file, EDUCONNECT_METADATA_REFRESH: '1' },
    });
    try {
      const rc = await registerClient(other, { clientId: 'relecture' });
      const otherAcs = `${other.url}/saml/sp/acs`;
      /** Through ÉduConnect with a Response signed by `signer`: the page the browser lands on. */
      const signInWith = async (signer: StandInIdp) => {
        const browser = new Browser();
        const connexion = await browser.go((await authorizationRequest(rc)).url.toString(), { stopAt: REDIRECT_URI });
        const uid = /\/interaction\/([\w-]+)\/login/.exec(connexion.html)![1]!;
        const saml = idp.readRequest(
          (await browser.request(`${other.url}/interaction/${uid}/educonnect`)).headers.get('location')!,
        );
        const response = signer.response({
          inResponseTo: saml.id,
          acs: otherAcs,
          audience: `${other.url}/saml/sp/metadata`,
          person: pupil('ec-relecture'),
        });
        return browser.go(otherAcs, { form: { SAMLResponse: response, RelayState: saml.relayState } });
      };
      const accepted = (page: Page) => page.status === 200 && page.html.includes('/educonnect/lier');
      const refused = (page: Page) =>
        page.status === 400 && page.html.includes('La réponse d’ÉduConnect n’est pas valable');
      const within = async (seconds: number, signer: StandInIdp, ok: (page: Page) => boolean) => {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
          const page = await signInWith(signer);
          if (ok(page) || Date.now() > deadline) return page;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };

      // ÉduConnect renews its certificate: the new one appears in its metadata.
      const renewed = await makeEduconnectIdp();
      expect(refused(await signInWith(renewed))).toBe(true);
      writeFileSync(file, renewed.metadata());
      expect(accepted(await within(5, renewed, accepted))).toBe(true);
      expect(refused(await signInWith(idp))).toBe(true); // the old certificate left the metadata

      // A reading that fails (a half-written file) leaves the last good metadata in use.
      writeFileSync(file, '<md:EntityDescriptor');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(accepted(await signInWith(renewed))).toBe(true);
    } finally {
      await other.stop();
    }
  });
});

describe('without configuration', () => {
  test('no button, the SP endpoints answer 404 in French', async () => {
    const plain = await startTestServer();
    try {
      const res = await fetch(`${plain.url}/saml/sp/metadata`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('ÉduConnect n’est pas proposée');
      const rc = await registerClient(plain, { clientId: 'sans-educonnect' });
      const page = await new Browser().go((await authorizationRequest(rc)).url.toString());
      expect(page.html).not.toContain('ÉduConnect');
    } finally {
      await plain.stop();
    }
  });
});
