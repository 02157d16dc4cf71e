// What a browser carries between CAS steps, in one sealed cookie (`ent.cas`, path /cas): the
// sign-ins in progress (by OIDC state: a few tabs at once), and where to go after
// /cas/logout. Sealed like the login pages' session (AES-256-GCM, COOKIE_KEYS), so it is
// bound to this browser and unreadable by it; nothing in it signs anyone in.
import type { Context } from 'koa';
import type { Config } from '../config/index.js';
import { sealedCookie } from '../http/sealed-session.js';
import type { Logger } from '../logger.js';
import type { PendingCasLogin } from './oidc-client.js';

export const CAS_COOKIE = 'ent.cas';
const MAX_PENDING = 4;

export interface PendingSignIn extends PendingCasLogin {
  service: string;
  serviceId: string;
  renew: boolean;
  gateway: boolean;
  /** ms since epoch; older than INTERACTION_TTL is dropped. */
  at: number;
}

interface CasBrowserState {
  signIns: PendingSignIn[];
  /** A registered service to return to after /cas/logout. */
  logoutService?: string;
}

export interface CasBrowserStore {
  addSignIn(ctx: Context, signIn: PendingSignIn): void;
  /** Takes (and forgets) the sign-in of this OIDC state. */
  takeSignIn(ctx: Context, state: string): PendingSignIn | undefined;
  setLogoutService(ctx: Context, service: string | undefined): void;
  takeLogoutService(ctx: Context): string | undefined;
}

export function casBrowserStore(config: Config, logger: Logger): CasBrowserStore {
  const cookie = sealedCookie(config, CAS_COOKIE, 'cas-browser-state', logger, '/cas');
  const maxAgeMs = config.ttl.interaction * 1000;

  const read = (ctx: Context): CasBrowserState => {
    const value = (cookie.read(ctx) ?? {}) as Partial<CasBrowserState>;
    const now = Date.now();
    return {
      signIns: (Array.isArray(value.signIns) ? value.signIns : []).filter((s) => now - s.at < maxAgeMs),
      logoutService: typeof value.logoutService === 'string' ? value.logoutService : undefined,
    };
  };
  const write = (ctx: Context, state: CasBrowserState) => {
    cookie.write(ctx, !state.signIns.length && !state.logoutService ? null : state);
  };

  return {
    addSignIn(ctx, signIn) {
      const state = read(ctx);
      state.signIns = [...state.signIns, signIn].slice(-MAX_PENDING);
      write(ctx, state);
    },
    takeSignIn(ctx, oidcState) {
      const state = read(ctx);
      const found = state.signIns.find((s) => s.state === oidcState);
      if (found) {
        state.signIns = state.signIns.filter((s) => s !== found);
        write(ctx, state);
      }
      return found;
    },
    setLogoutService(ctx, service) {
      write(ctx, { ...read(ctx), logoutService: service });
    },
    takeLogoutService(ctx) {
      const state = read(ctx);
      if (state.logoutService) write(ctx, { ...state, logoutService: undefined });
      return state.logoutService;
    },
  };
}
