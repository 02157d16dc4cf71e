// Which errors mean « the database is out of reach » (a 503 that will pass) rather than a bug
// (a 500): driver codes, and mysql2's fatal errors, some of which carry no code. And one
// domain error says the same thing on the page, on the admin API and on the command line.
import { Writable } from 'node:stream';
import type { Context } from 'koa';
import { errorHandler, isDatabaseUnavailable, toAppError } from '../../../src/http/errors.js';
import { problems } from '../../../src/admin/api/http.js';
import { refusal } from '../../../src/cli/commands.js';
import { AdminNotFound, NOT_FOUND_MESSAGE } from '../../../src/domain/admin/index.js';
import { RosterInvalid } from '../../../src/domain/roster/index.js';
import { OperatorRefused } from '../../../src/domain/accounts-admin.js';
import { createLogger } from '../../../src/logger.js';

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

const silent = createLogger('fatal', new Writable({ write: (_chunk, _encoding, done) => done() }));

/** Just enough of a Koa context: `html` picks the page, otherwise problem+json. */
function fakeContext(path: string, html: boolean) {
  const page: { title?: string; message?: string } = {};
  const ctx = {
    path,
    method: 'GET',
    state: {},
    status: 200,
    body: undefined as unknown,
    type: '',
    set() {},
    accepts: (...types: unknown[]) =>
      html ? (Array.isArray(types[0]) ? 'html' : true) : types.length === 1 ? false : 'json',
    render: async (_view: string, locals: { title: string; message: string }) => void Object.assign(page, locals),
  };
  return { ctx: ctx as unknown as Context & { body: Record<string, unknown> }, page };
}

describe('a domain error, everywhere', () => {
  const fails = (err: Error) => () => Promise.reject(err);

  it('AdminNotFound: the same 404, code and French words on the page, the API and the CLI', async () => {
    const err = new AdminNotFound('account 42');
    const page = fakeContext('/admin/classes/x', true);
    await errorHandler(silent)(page.ctx, fails(err));
    expect([page.ctx.status, page.page]).toEqual([404, { title: 'Introuvable', message: NOT_FOUND_MESSAGE }]);

    const api = fakeContext('/admin/api/v1/accounts/block', false);
    await problems(silent)(api.ctx, fails(err));
    expect(api.ctx.status).toBe(404);
    expect(api.ctx.type).toBe('application/problem+json');
    expect(api.ctx.body).toEqual({
      type: 'about:blank',
      title: 'Introuvable',
      status: 404,
      code: 'not_found',
      detail: NOT_FOUND_MESSAGE,
    });

    expect(refusal('account block', err).message).toBe(`account block: ${NOT_FOUND_MESSAGE}`);
    // The private detail stays in the logs.
    expect(JSON.stringify([page.page, api.ctx.body])).not.toContain('account 42');
  });

  it('the page app and the API build the same problem+json, `errors` included', async () => {
    const err = new RosterInvalid([{ line: 3, message: 'nom: obligatoire' }]);
    const fromPage = fakeContext('/api/x', false);
    const fromApi = fakeContext('/admin/api/v1/x', false);
    await errorHandler(silent)(fromPage.ctx, fails(err));
    await problems(silent)(fromApi.ctx, fails(err));
    expect(fromPage.ctx.body).toEqual(fromApi.ctx.body);
    expect(fromApi.ctx.body).toMatchObject({
      status: 400,
      code: 'invalid_roster',
      errors: [{ line: 3, message: 'nom: obligatoire' }],
    });
  });

  it('each kind has one status', () => {
    expect(toAppError(new OperatorRefused('x is blocked')).status).toBe(400);
    expect(toAppError(new AdminNotFound()).status).toBe(404);
    expect(toAppError(new OperatorRefused('x is blocked'))).toMatchObject({
      code: 'operator_refused',
      publicMessage: 'x is blocked',
    });
  });
});
