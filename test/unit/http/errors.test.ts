// Which errors mean « the database is out of reach » (a 503 that will pass) rather than a bug
// (a 500): driver codes, and mysql2's fatal errors, some of which carry no code.
import { isDatabaseUnavailable, toAppError } from '../../../src/http/errors.js';

const driverError = (props: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), props);
/** As TypeORM wraps a driver error (QueryFailedError keeps it as driverError). */
const wrapped = (inner: Error) => Object.assign(new Error(inner.message), { driverError: inner });

describe('isDatabaseUnavailable', () => {
  it('recognizes network codes, directly or wrapped by TypeORM', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'SQLITE_BUSY']) {
      expect(isDatabaseUnavailable(driverError({ code }))).toBe(true);
      expect(isDatabaseUnavailable(wrapped(driverError({ code })))).toBe(true);
    }
  });

  it('recognizes mysql2 fatal errors without a code', () => {
    const closed = driverError({ fatal: true }, "Can't add new command when connection is in closed state");
    expect(isDatabaseUnavailable(closed)).toBe(true);
    expect(isDatabaseUnavailable(wrapped(closed))).toBe(true);
    expect(toAppError(closed).status).toBe(503);
  });

  it('leaves query errors and bugs alone', () => {
    expect(isDatabaseUnavailable(driverError({ code: 'ER_DUP_ENTRY', fatal: false }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(toAppError(new TypeError('boom')).status).toBe(500);
  });
});
