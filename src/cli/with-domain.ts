// Opens the database, builds the domain services over it, runs `work`, closes the database.
// Domain errors (OperatorRefused, DemoConflictError, …) become one-line CliErrors.
import { createDomain, type Domain } from '../domain/index.js';
import { DomainError } from '../domain/errors.js';
import type { OpenOptions } from '../db/index.js';
import { refusal, type CommandContext } from './commands.js';

export async function withDomain<T>(
  ctx: CommandContext,
  command: string,
  work: (domain: Domain) => Promise<T>,
  open?: OpenOptions,
): Promise<T> {
  const config = ctx.config();
  const db = await ctx.openDatabase(open);
  try {
    return await work(createDomain({ config, db, logger: ctx.logger() }));
  } catch (err) {
    if (err instanceof DomainError) throw refusal(command, err);
    throw err;
  } finally {
    await db.close();
  }
}
