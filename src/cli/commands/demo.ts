// `ent-idp demo`: seeds the demo school (idempotent: only what is missing is created) and
// prints how to sign in, with the live codes.
import { demoSummary, seedDemo } from '../demo.js';
import { DemoConflictError } from '../../domain/demo.js';
import { createDomain } from '../../domain/index.js';
import { refusal, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'demo',
  usage: '',
  summary: 'seed the demo school (idempotent) and print its logins and codes',
  description:
    'Creates the demo school « École de la Somme » (class CM2 A with enfant.test, classmates in every activation state, parents, teachers, personnel, a school admin) and registers the demo ENT application (client ent-demo-app). Running it again creates nothing and prints the same logins with the codes live now.',
  async run({ positionals }, ctx) {
    if (positionals.length) throw new UsageError(`demo: unexpected argument "${positionals[0]}"`);
    const config = ctx.config();
    const db = await ctx.openDatabase();
    try {
      const domain = createDomain({ config, db, logger: ctx.logger() });
      const school = await seedDemo(domain, config).catch((err: unknown) => {
        if (err instanceof DemoConflictError) throw refusal('demo', err);
        throw err;
      });
      ctx.print(
        school.created ? `demo school created (${school.created} rows)` : 'demo school already there: nothing changed',
      );
      ctx.print(demoSummary(school, config).trimEnd());
    } finally {
      await db.close();
    }
  },
});
