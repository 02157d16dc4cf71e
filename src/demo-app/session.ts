// The demo app's session: a random id in a signed, httpOnly cookie, the data in memory
// (ID token and userinfo are too large for a cookie). A demo runs as one process; a real ENT
// application would keep this in its own store.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

export interface DemoSession {
  /** Between /login and /callback. */
  pending?: { state: string; nonce: string; verifier: string };
  signedIn?: {
    idToken: string;
    idClaims: Record<string, unknown>;
    userinfo: Record<string, unknown>;
    scope: string;
    at: number;
  };
  csrf: string;
}

const COOKIE = 'ent.demo-app';
const TTL_MS = 8 * 3600_000;
const MAX_SESSIONS = 10_000;

export class SessionStore {
  private readonly sessions = new Map<string, { data: DemoSession; expires: number }>();

  constructor(private readonly path: string) {}

  /** The request's session, created (and its cookie set) when absent. */
  load(ctx: Context): DemoSession {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    const entry = id ? this.sessions.get(id) : undefined;
    if (entry && entry.expires > Date.now()) return entry.data;
    if (id) this.sessions.delete(id);
    return this.create(ctx);
  }

  /** Replaces the session (after sign-in and sign-out: a new id each time). */
  renew(ctx: Context, data: Omit<DemoSession, 'csrf'> = {}): DemoSession {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (id) this.sessions.delete(id);
    const session = this.create(ctx);
    Object.assign(session, data);
    return session;
  }

  /**
   * Ends every session a back-channel logout names: by `sid` when the token has one (the
   * provider's session with this application), otherwise every session of `sub`.
   * Returns how many ended.
   */
  endFor(logout: { sub?: string; sid?: string }): number {
    let ended = 0;
    for (const [id, entry] of this.sessions) {
      const claims = entry.data.signedIn?.idClaims;
      if (!claims) continue;
      const match = logout.sid ? claims.sid === logout.sid : claims.sub === logout.sub;
      if (match && (!logout.sub || claims.sub === logout.sub)) {
        this.sessions.delete(id);
        ended++;
      }
    }
    return ended;
  }

  private create(ctx: Context): DemoSession {
    this.sweep();
    const id = randomBytes(24).toString('base64url');
    const data: DemoSession = { csrf: randomBytes(24).toString('base64url') };
    this.sessions.set(id, { data, expires: Date.now() + TTL_MS });
    ctx.cookies.set(COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: this.path,
      secure: ctx.secure,
      overwrite: true,
    });
    return data;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.sessions) if (entry.expires <= now) this.sessions.delete(id);
    // Unbounded growth is a demo's risk only; drop the oldest beyond the cap.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}
