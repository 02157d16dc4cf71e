// The demo school (the seed's CM2 A class with enfant.test) and what to print about it:
// `npm start` on an empty database (main.ts) and `ent-idp demo` (commands/demo.ts).
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';
import { Account } from '../db/entities/index.js';
import { DEMO_CHILD, DEMO_TEACHER, seedDemoSchool, type DemoSchool } from '../domain/demo.js';
import { ClientStore } from '../oidc/clients.js';
import { demoAppClient, DEMO_APP_PATH } from '../demo-app/registration.js';

/** Seeds the demo school when the database has no account; returns what to print, or null. */
export async function seedDemoIfEmpty(domain: Domain, config: Config): Promise<string | null> {
  if ((await domain.db.read((manager) => manager.count(Account))) > 0) return null;
  return demoSummary(await seedDemo(domain, config), config);
}

/** Seeds (idempotently) the demo school and registers the demo ENT application. */
export async function seedDemo(domain: Domain, config: Config): Promise<DemoSchool> {
  const school = await seedDemoSchool(domain);
  // The demo client's metadata is ours and fixed (the server validates it with oidc-provider's
  // schema when it registers it at start): no validator here, so no provider is built.
  const clients = new ClientStore(domain.db, config, async () => undefined);
  await clients.save(demoAppClient(config));
  return school;
}

const PROFILES: Record<string, string> = {
  Student: 'élève',
  Relative: 'parent',
  Teacher: 'enseignant',
  Personnel: 'personnel',
};

export function demoSummary(school: DemoSchool, config: Config): string {
  const { structure, accounts, password } = school;
  const find = (login: string) => accounts.find((a) => a.login === login);
  const teacher = find(DEMO_TEACHER);
  const child = find(DEMO_CHILD);
  const withCode = accounts.find((a) => a.codeKind === 'activation' && a.login !== DEMO_CHILD);
  const loginW = Math.max(...accounts.map((a) => a.login.length));
  const nameW = Math.max(...accounts.map((a) => a.name.length));
  const lines = [
    '',
    `Demo school « ${structure.name} » (UAI ${structure.uai}, ENT ${structure.entAddress}), school year ${school.schoolYear}`,
    '',
    `  Teacher's page « Paramétrage de la classe »: ${config.issuer}/admin`,
    `      identifiant ${DEMO_TEACHER}   mot de passe ${password}${teacher ? '' : '   (missing!)'}`,
    `  The child « test enfant »: identifiant ${DEMO_CHILD}   ${child?.code ? `code ${child.code}` : `mot de passe ${password}`}${child ? ` (${child.state})` : ''}`,
    withCode
      ? `  A code to try: identifiant ${withCode.login}, type ${withCode.code} in the « Mot de passe » field, then choose a password`
      : '  A code to try: none live (generate one: npm run cli -- code <identifiant> --kind renewal)',
    `  Demo ENT application: ${config.issuer}${DEMO_APP_PATH}`,
    '',
    `  Every activated account's password is ${password}. Accounts:`,
    ...accounts.map(
      (a) =>
        `    ${a.login.padEnd(loginW)}  ${a.name.padEnd(nameW)}  ${(PROFILES[a.profile] ?? a.profile).padEnd(10)}  ${(a.classes.join(', ') || '-').padEnd(5)}  ${a.state}`,
    ),
    '',
  ];
  return `${lines.join('\n')}\n`;
}
