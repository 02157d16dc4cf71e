// The admin API test bench: a real server, a seeded school (two classes A and B), teachers'
// access tokens obtained through the real authorization code flow with a `resource`
// indicator, and an HTTP helper whose every response is checked against the served
// OpenAPI document.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import {
  authorizationRequest,
  exchange,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { Browser } from '../../helpers/browser.js';
import { createAccount, createClass, createStructure, grantRole, linkRelative } from '../../helpers/factories.js';
import type { Account, SchoolClass, Structure } from '../../../src/db/entities/index.js';
import { OpenApiValidator } from './openapi-validator.js';

export const PASSWORD = 'une phrase de passe solide';
export const API = '/admin/api';

export interface School {
  structure: Structure;
  classA: SchoolClass;
  classB: SchoolClass;
  teacherA: Account;
  teacherB: Account;
  /** Member of class A as a Teacher, without class-admin. */
  colleagueA: Account;
  personnelA: Account;
  /** A: activated (password), never activated, another never activated, accented names. */
  studentsA: Account[];
  studentsB: Account[];
  relativesA: Account[];
  relativesB: Account[];
}

export async function seedSchool(ts: TestServer): Promise<School> {
  const db = ts.server.db;
  const structure = await createStructure(db, { name: 'École du Centre', entAddress: 'https://ecole.entsomme.fr' });
  const classA = await createClass(db, { structureId: structure.id, name: 'CM2 A' });
  const classB = await createClass(db, { structureId: structure.id, name: 'CM2 B' });
  const base = { structureId: structure.id };
  const teacherA = await createAccount(db, {
    ...base,
    profile: 'Teacher',
    firstName: 'Claire',
    lastName: 'Maîtresse',
    email: 'claire.maitresse@example.fr',
    password: PASSWORD,
    classIds: [classA.id],
  });
  const teacherB = await createAccount(db, {
    ...base,
    profile: 'Teacher',
    firstName: 'Bruno',
    lastName: 'Maître',
    email: 'bruno@example.fr',
    password: PASSWORD,
    classIds: [classB.id],
  });
  await grantRole(db, teacherA.id, 'class-admin', classA.id);
  await grantRole(db, teacherB.id, 'class-admin', classB.id);
  const colleagueA = await createAccount(db, {
    ...base,
    profile: 'Teacher',
    firstName: 'Paul',
    lastName: 'Collègue',
    password: PASSWORD,
    classIds: [classA.id],
  });
  const personnelA = await createAccount(db, {
    ...base,
    profile: 'Personnel',
    firstName: 'Agnès',
    lastName: 'Atsem',
    classIds: [classA.id],
  });
  const studentsA = [
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: 'test',
      lastName: 'enfant',
      login: 'enfant.test',
      birthDate: '2010-08-01',
      password: PASSWORD,
      classIds: [classA.id],
    }),
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: 'Éloïse',
      lastName: 'Lefèvre',
      birthDate: '2011-02-03',
      classIds: [classA.id],
    }),
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: 'Ñúñez',
      lastName: "O'Brien-Ñúñez",
      birthDate: '2010-12-24',
      classIds: [classA.id],
    }),
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: '<img src=x onerror=alert(1)>',
      lastName: 'Zorro',
      birthDate: '2011-05-05',
      classIds: [classA.id],
    }),
  ];
  const studentsB = [
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: 'Bob',
      lastName: 'Bémol',
      password: PASSWORD,
      classIds: [classB.id],
    }),
    await createAccount(db, {
      ...base,
      profile: 'Student',
      firstName: 'Bea',
      lastName: 'Bécarre',
      classIds: [classB.id],
    }),
  ];
  const relativesA = [
    await createAccount(db, {
      ...base,
      profile: 'Relative',
      firstName: 'Pierre',
      lastName: 'Enfant',
      email: 'pierre@example.fr',
      password: PASSWORD,
    }),
    await createAccount(db, { ...base, profile: 'Relative', firstName: 'Inès', lastName: 'Lefèvre' }),
  ];
  await linkRelative(db, relativesA[0]!.id, studentsA[0]!.id);
  await linkRelative(db, relativesA[1]!.id, studentsA[1]!.id);
  const relativesB = [await createAccount(db, { ...base, profile: 'Relative', firstName: 'Rita', lastName: 'Bémol' })];
  await linkRelative(db, relativesB[0]!.id, studentsB[0]!.id);
  return {
    structure,
    classA,
    classB,
    teacherA,
    teacherB,
    colleagueA,
    personnelA,
    studentsA,
    studentsB,
    relativesA,
    relativesB,
  };
}

export interface Bench {
  ts: TestServer;
  school: School;
  adminClient: RegisteredClient;
  validator: OpenApiValidator;
  tokenFor(login: string, password?: string, scope?: string): Promise<string>;
  api(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for other media types. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: Buffer;
}

export async function openBench(): Promise<Bench> {
  const ts = await startTestServer();
  const school = await seedSchool(ts);
  const adminClient = await registerClient(ts, {
    clientId: 'classe-test',
    scopes: ['openid', 'profile', 'class-admin'],
  });
  const doc = (await (await fetch(`${ts.url}${API}/openapi.json`)).json()) as Record<string, unknown>;
  const validator = new OpenApiValidator(doc, API);

  return {
    ts,
    school,
    adminClient,
    validator,
    async tokenFor(login, password = PASSWORD, scope = 'openid profile class-admin') {
      const { tokens } = await signIn(adminClient, login, password, {
        params: { scope, resource: ts.config.admin.audience },
      });
      return tokens.access_token;
    },
    async api(token, method, path, body, headers = {}) {
      const url = `${ts.url}${API}${path}`;
      const res = await fetch(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const raw = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type');
      const parsed: unknown = type?.includes('json') ? JSON.parse(raw.toString('utf8')) : undefined;
      validator.check(method, url, res.status, type, parsed);
      return { status: res.status, headers: res.headers, body: parsed, raw };
    },
  };
}

/**
 * A real first sign-in with a code, as the connection sheet says: identifiant + code in
 * « Mot de passe », then a new password on « Réinitialisation du mot de passe », ENREGISTRER.
 * Resolves with the token response, or rejects when the code is refused.
 */
export async function signInWithCode(
  rc: RegisteredClient,
  login: string,
  code: string,
  newPassword = 'mon nouveau mot de passe',
) {
  const browser = new Browser();
  const request = await authorizationRequest(rc);
  const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const next = await submitLogin(browser, page, login, code);
  if (!next.html.includes('nouveau_mot_de_passe')) throw new Error(`code refused (${next.status})`);
  const callback = await browser.submit(
    next,
    '/mot-de-passe',
    { nouveau_mot_de_passe: newPassword, confirmation: newPassword },
    REDIRECT_URI,
  );
  if (!callback.url.startsWith(REDIRECT_URI)) throw new Error(`password not accepted (${callback.status})`);
  return exchange(rc, callback.url, request);
}
