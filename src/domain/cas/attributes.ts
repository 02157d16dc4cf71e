// What a CAS service learns about the user, in <cas:attributes> (CAS 3): the default set, or
// the attribute profile a service was registered with. Names are ASCII (`prenom`, not
// `prénom`): several CAS clients put attribute names in HTTP headers.
//
// `pronote` is the profile Index Éducation's PRONOTE expects from an ENT, as the reference
// ENT (edificeio/entcore, cas/…/PronoteRegisteredService) releases it: `nom`, `prenom`,
// `dateNaissance` as dd/mm/yyyy, `codePostal`, and `categories`, the national profile
// (National_1 pupil, National_2 parent, National_3 teacher, National_4 staff).
import type { AccountClaims } from '../accounts.js';
import type { Profile } from '../../db/entities/index.js';

export const DEFAULT_ATTRIBUTES = ['identifiant', 'nom', 'prenom', 'profil', 'uai', 'classes'] as const;
export type AttributeName = (typeof DEFAULT_ATTRIBUTES)[number];
export const ATTRIBUTE_PROFILES = ['pronote'] as const;
export type AttributeProfile = (typeof ATTRIBUTE_PROFILES)[number];

export const PRONOTE_CATEGORIES: Record<Profile, string> = {
  Student: 'National_1',
  Relative: 'National_2',
  Teacher: 'National_3',
  Personnel: 'National_4',
};

/** One attribute and its values (several for a multi-valued one, e.g. classes). */
export interface Attribute {
  name: string;
  values: string[];
}

/** `2010-08-01` → `01/08/2010`; anything else → empty. */
export function frenchDate(isoDate: string | null): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate ?? '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
}

function defaultAttribute(name: AttributeName, claims: AccountClaims): Attribute {
  const { account } = claims;
  const values: Record<AttributeName, () => string[]> = {
    identifiant: () => [account.login],
    nom: () => [account.lastName],
    prenom: () => [account.firstName],
    profil: () => [account.profile],
    uai: () => (claims.structure ? [claims.structure.uai] : []),
    classes: () => claims.classes.map((c) => c.name),
  };
  return { name, values: values[name]() };
}

export function releasedAttributes(
  service: { attributes: readonly AttributeName[]; attributeProfile: AttributeProfile | null },
  claims: AccountClaims,
): Attribute[] {
  const { account } = claims;
  if (service.attributeProfile === 'pronote') {
    return [
      { name: 'nom', values: [account.lastName] },
      { name: 'prenom', values: [account.firstName] },
      { name: 'dateNaissance', values: [frenchDate(account.birthDate)] },
      // The roster holds no postal address: PRONOTE accepts it empty.
      { name: 'codePostal', values: [''] },
      { name: 'categories', values: [PRONOTE_CATEGORIES[account.profile]] },
    ];
  }
  return service.attributes.map((name) => defaultAttribute(name, claims));
}
