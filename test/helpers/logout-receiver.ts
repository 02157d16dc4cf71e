// The receiving end of OpenID Connect Back-Channel Logout, as an ENT application implements
// it (§ 2.6), for tests: POST /<app>/backchannel-logout with a `logout_token`, validated with
// jose against the issuer's JWKS — signature, iss, aud, iat, the logout event, sid or sub,
// no nonce. Each application can be told to answer normally, slowly, with 500, or not at all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export type Behaviour = 'ok' | 'slow' | 'error';

export interface ReceivedLogout {
  app: string;
  at: number;
  claims: JWTPayload & { sid?: string; events?: Record<string, unknown> };
}

export interface LogoutReceiver {
  url: string;
  /** Validated logout tokens, in arrival order. */
  received: ReceivedLogout[];
  /** Tokens refused by validation (should stay empty), with the reason. */
  refused: { app: string; reason: string }[];
  /** Requests seen per application, valid or not (retries show here). */
  attempts: Map<string, number>;
  behaviour: Map<string, Behaviour>;
  uri(app: string): string;
  /** Resolves when `count` logouts reached `app` (or rejects after `ms`). */
  waitFor(app: string, count: number, ms?: number): Promise<ReceivedLogout[]>;
  close(): Promise<void>;
}

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export async function startLogoutReceiver(issuer: string, slowMs = 10_000): Promise<LogoutReceiver> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const received: ReceivedLogout[] = [];
  const refused: LogoutReceiver['refused'] = [];
  const attempts = new Map<string, number>();
  const behaviour = new Map<string, Behaviour>();
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((w) => w());

  const server: Server = createServer((req, res) => {
    const app = /^\/([\w-]+)\/backchannel-logout$/.exec(req.url ?? '')?.[1];
    if (!app || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    attempts.set(app, (attempts.get(app) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const mode = behaviour.get(app) ?? 'ok';
        if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
        if (mode === 'error') {
          res.writeHead(500).end();
          return;
        }
        const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? '';
        try {
          const { payload, protectedHeader } = await jwtVerify(token, jwks, {
            issuer,
            audience: app,
            requiredClaims: ['iat', 'jti', 'events'],
          });
          const claims = payload as ReceivedLogout['claims'];
          if (protectedHeader.typ !== 'logout+jwt') throw new Error(`typ ${protectedHeader.typ}`);
          if (!claims.events || !(LOGOUT_EVENT in claims.events)) throw new Error('no logout event');
          if ('nonce' in claims) throw new Error('a nonce');
          if (!claims.sid && !claims.sub) throw new Error('neither sid nor sub');
          received.push({ app, at: Date.now(), claims });
          res.writeHead(200).end();
        } catch (err) {
          refused.push({ app, reason: (err as Error).message });
          res.writeHead(400).end();
        }
        notify();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    refused,
    attempts,
    behaviour,
    uri: (app) => `${url}/${app}/backchannel-logout`,
    waitFor(app, count, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () =>
            reject(
              new Error(`${app}: ${received.filter((r) => r.app === app).length}/${count} logouts after ${ms} ms`),
            ),
          ms,
        );
        const check = () => {
          const got = received.filter((r) => r.app === app);
          if (got.length >= count) {
            clearTimeout(deadline);
            resolve(got);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
