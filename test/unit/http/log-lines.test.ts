// What the log lines keep: error codes in clear (only secrets are redacted).
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('trace', sink) };
}

describe('log lines about a request', () => {
  it('redacts secrets under any of their names, and nothing else', () => {
    const { lines, logger } = capture();
    logger.info({ code: 'invalid_csrf_token', err: { code: 'ECONNREFUSED' }, body: { mot_de_passe: 's1', nouveau_mot_de_passe: 's2', confirmation: 's3', token: 's4' }, password: 's5', client_secret: 's6' }, 'x');
    expect(lines[0]).toMatchObject({
      code: 'invalid_csrf_token', err: { code: 'ECONNREFUSED' },
      body: { mot_de_passe: '[redacted]', nouveau_mot_de_passe: '[redacted]', confirmation: '[redacted]', token: '[redacted]' }, password: '[redacted]', client_secret: '[redacted]',
    });
  });
});
