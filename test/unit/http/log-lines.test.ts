// What the request log lines carry: the path as logged (a reset link's token masked) from
// every middleware that names the path — the error handler, the request deadline, the admin
// API's problem renderer — and error codes in clear (only secrets are redacted).
import { Writable } from 'node:stream';
import type { Context } from 'koa';
import { createLogger } from '../../../src/logger.js';
import { AppError, errorHandler } from '../../../src/http/errors.js';
import { requestDeadline } from '../../../src/http/deadline.js';
import { problems } from '../../../src/admin/api/http.js';

const TOKEN = 'Jd8xQw3vT0p9sLk2mN5bR7cY1aZ4eF6gH8iK0lM2nOq';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('trace', sink) };
}

/** Just enough of a Koa context for the middlewares (the error page falls back to text). */
const fakeContext = (path: string) =>
  ({
    path,
    method: 'POST',
    state: { reqId: 'req-1' },
    status: 404,
    body: undefined,
    type: '',
    set() {},
    accepts: () => false,
    render: () => Promise.reject(new Error('no views here')),
  }) as unknown as Context;

const refusedCsrf = () => Promise.reject(new AppError(403, 'invalid_csrf_token', 'Cette page a expiré.'));

describe('log lines about a request', () => {
  it('the error handler logs the masked path and the error code', async () => {
    const { lines, logger } = capture();
    await errorHandler(logger)(fakeContext(`/mot-de-passe/reinitialiser/${TOKEN}`), refusedCsrf);
    await errorHandler(logger)(fakeContext(`/Mot-De-Passe/Reinitialiser/${TOKEN}`), () =>
      Promise.reject(new Error('boom')),
    );
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request refused',
        code: 'invalid_csrf_token',
        reqId: 'req-1',
        path: '/mot-de-passe/reinitialiser/[redacted]',
      }),
      expect.objectContaining({
        msg: 'request failed',
        reqId: 'req-1',
        path: '/Mot-De-Passe/Reinitialiser/[redacted]',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('the request deadline logs the masked path', async () => {
    const { lines, logger } = capture();
    const never = () => new Promise<void>(() => {});
    await expect(
      requestDeadline(5, logger)(fakeContext(`/mot-de-passe/reinitialiser/${TOKEN}`), never),
    ).rejects.toMatchObject({ status: 503 });
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request deadline exceeded',
        reqId: 'req-1',
        path: '/mot-de-passe/reinitialiser/[redacted]',
        deadlineMs: 5,
      }),
    ]);
  });

  it('the admin API problem renderer logs the masked path and the error code', async () => {
    // No admin API path holds a secret (ids only); whatever path it is given is masked all the same.
    const { lines, logger } = capture();
    await problems(logger)(fakeContext(`/mot-de-passe/reinitialiser/${TOKEN}`), refusedCsrf);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'admin API request refused',
        code: 'invalid_csrf_token',
        path: '/mot-de-passe/reinitialiser/[redacted]',
      }),
    ]);
  });

  it('redacts secrets under any of their names, and nothing else', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        code: 'invalid_csrf_token',
        err: { code: 'ECONNREFUSED' },
        body: { mot_de_passe: 's1', nouveau_mot_de_passe: 's2', confirmation: 's3', token: 's4' },
        password: 's5',
        client_secret: 's6',
      },
      'x',
    );
    expect(lines[0]).toMatchObject({
      code: 'invalid_csrf_token',
      err: { code: 'ECONNREFUSED' },
      body: {
        mot_de_passe: '[redacted]',
        nouveau_mot_de_passe: '[redacted]',
        confirmation: '[redacted]',
        token: '[redacted]',
      },
      password: '[redacted]',
      client_secret: '[redacted]',
    });
  });
});
