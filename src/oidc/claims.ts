// Accounts as oidc-provider sees them: `sub` is the account's uuid; claims per scope.
// Blocked accounts are not found, so their tokens stop working at refresh and userinfo.
import type { Account as OidcAccount, FindAccount } from 'oidc-provider';
import type { Domain } from '../domain/index.js';

/** Claims released by each scope (oidc-provider filters the account's claims with this). */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'birthdate', 'updated_at'],
  email: ['email', 'email_verified'],
  ent: ['ent_profile', 'ent_structure', 'ent_classes', 'ent_children'],
} as const;

const ENT_CLAIMS: ReadonlySet<string> = new Set(SCOPE_CLAIMS.ent);

/**
 * The ENT claims cost three more queries, paid on every refresh and userinfo call: they are
 * loaded only when the `ent` scope or the claims parameter can release them.
 */
function wantsEnt(scope: string, requested: Record<string, unknown> | undefined): boolean {
  return scope.split(' ').includes('ent') || Object.keys(requested ?? {}).some((claim) => ENT_CLAIMS.has(claim));
}

export function findAccount(domain: Domain): FindAccount {
  return async (_ctx, sub) => {
    const account = await domain.accounts.findById(sub);
    if (!account || account.blockedAt) return undefined;
    const result: OidcAccount = {
      accountId: account.id,
      async claims(_use, scope, requested) {
        const ent = wantsEnt(scope, requested) ? await domain.accounts.entDetailsFor(account) : null;
        return {
          sub: account.id,
          name: `${account.firstName} ${account.lastName}`,
          given_name: account.firstName,
          family_name: account.lastName,
          preferred_username: account.login,
          ...(account.birthDate ? { birthdate: account.birthDate } : {}),
          updated_at: Math.floor(account.updatedAt.getTime() / 1000),
          ...(account.email ? { email: account.email, email_verified: false } : {}),
          ent_profile: account.profile,
          ...(ent
            ? {
                ent_structure: ent.structure ? { uai: ent.structure.uai, name: ent.structure.name } : null,
                ent_classes: ent.classes.map((c) => ({ id: c.id, name: c.name })),
                ent_children: ent.children.map((c) => ({
                  sub: c.id,
                  name: `${c.firstName} ${c.lastName}`,
                  preferred_username: c.login,
                })),
              }
            : {}),
        };
      },
    };
    return result;
  };
}
