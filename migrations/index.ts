// Every migration, in order. Listed explicitly (no glob) so the same list serves the
// compiled server, the CLI and the TypeScript tests.
import { Initial1764100000000 } from './1764100000000-initial.js';

export const migrations = [Initial1764100000000];
