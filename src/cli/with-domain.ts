// Opens the database, builds the domain services over it, runs `work`, closes the database.
// Domain refusals (OperatorRefused, DemoConflictError) become one-line CliErrors.
import { createDomain, type Domain } from '../domain/index.js';
import { OperatorRefused } from '../domain/accounts-admin.js';
import { CliError, type CommandContext } from './commands.js';

export async function withDomain<T>(ctx: CommandContext, command: string, work: (domain: Domain) => Promise<T>): Promise<T> {
  const config = ctx.config();
  const db = await ctx.openDatabase();
  try {
    return await work(createDomain({ config, db, logger: ctx.logger() }));
  } catch (err) {
    if (err instanceof OperatorRefused) throw new CliError(`${command}: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}
