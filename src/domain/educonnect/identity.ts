// The ÉduConnect attributes (urn:oid:1.3.6.1.4.1.20326.10.999.1.*) a sign-in needs, read from
// a validated assertion. A missing required attribute refuses the response (never a guess).
import type { Profile as SamlProfile } from '@node-saml/node-saml';

const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;

export const EDUCONNECT_ATTRIBUTES = {
  FrEduCtId: OID(57),
  FrEduCtPersonAffiliation: OID(7),
  FrEduCtEleveUAI: OID(72),
  FrEduCtDateNaissance: OID(67),
  FrEduUrlRetour: OID(5),
  sn: 'urn:oid:2.5.4.4',
  givenName: 'urn:oid:2.5.4.42',
} as const;

export const AFFILIATIONS = ['eleve1d', 'eleve2d', 'resp1d', 'resp2d'] as const;
export type Affiliation = (typeof AFFILIATIONS)[number];

/** What ent-idp keeps of an ÉduConnect sign-in (sealed until used; never logged). */
export interface FederatedIdentity {
  subject: string;
  affiliation: Affiliation;
  lastName: string;
  firstName: string;
  /** YYYY-MM-DD, pupils only. */
  birthDate: string | null;
  /** The pupil's school (UAI), pupils only. */
  pupilUai: string | null;
  /** AAF join keys from FrEduCtRefId (`{AAF}<académie>|<type>|<id>` → `<id>`). */
  nationalIds: string[];
  /** FrEduUrlRetour: where ÉduConnect's logout is. */
  logoutUrl: string | null;
  /** For a LogoutRequest to ÉduConnect. */
  nameId: string | null;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

export class IdentityRejected extends Error {
  override name = 'IdentityRejected';
}

type Attributes = Record<string, unknown>;

const values = (attrs: Attributes, name: string): string[] => {
  const v = attrs[name];
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim());
};

/** JJ/MM/AAAA or AAAA-MM-JJ → AAAA-MM-JJ. */
function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (fr) return `${fr[3]}-${fr[2]}-${fr[1]}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
}

/** `{AAF}14|ELV|1234567` → `1234567`; anything else is not an AAF join key. */
export function aafJoinKey(vector: string): string | null {
  if (!vector.startsWith('{AAF}')) return null;
  const parts = vector.slice(5).split('|');
  const id = parts.length === 3 ? parts[2]!.trim() : '';
  return /^[\w.:@-]{1,64}$/.test(id) ? id : null;
}

/**
 * The identity in an assertion node-saml validated. `refIdAttribute` names the national ids'
 * attribute by Name or FriendlyName (its OID is not published with the others).
 */
export function readIdentity(profile: SamlProfile, refIdAttribute: string): FederatedIdentity {
  const attrs = (profile.attributes ?? {}) as Attributes;
  const one = (name: keyof typeof EDUCONNECT_ATTRIBUTES) =>
    values(attrs, EDUCONNECT_ATTRIBUTES[name])[0] ?? values(attrs, name)[0];
  const subject = one('FrEduCtId');
  const affiliation = one('FrEduCtPersonAffiliation') as Affiliation | undefined;
  const lastName = one('sn');
  const firstName = one('givenName');
  const missing = [
    ['FrEduCtId', subject],
    ['FrEduCtPersonAffiliation', affiliation],
    ['sn', lastName],
    ['givenName', firstName],
  ]
    .filter(([, v]) => !v)
    .map(([n]) => n);
  if (missing.length) throw new IdentityRejected(`missing attributes: ${missing.join(', ')}`);
  if (!AFFILIATIONS.includes(affiliation!)) throw new IdentityRejected('unknown FrEduCtPersonAffiliation');
  if (subject!.length > 255) throw new IdentityRejected('FrEduCtId too long');
  const pupil = affiliation!.startsWith('eleve');
  const friendly = findByFriendlyName(profile, refIdAttribute);
  const nationalIds = [...new Set([...values(attrs, refIdAttribute), ...friendly].map(aafJoinKey).filter(Boolean))];
  return {
    subject: subject!,
    affiliation: affiliation!,
    lastName: lastName!.slice(0, 100),
    firstName: firstName!.slice(0, 100),
    birthDate: pupil ? isoDate(one('FrEduCtDateNaissance')) : null,
    pupilUai: pupil ? (one('FrEduCtEleveUAI')?.toUpperCase() ?? null) : null,
    nationalIds: nationalIds as string[],
    logoutUrl: one('FrEduUrlRetour') ?? null,
    nameId: profile.nameID ?? null,
    nameIdFormat: profile.nameIDFormat ?? null,
    sessionIndex: profile.sessionIndex ?? null,
  };
}

/** Values of the attribute whose FriendlyName is `name` (node-saml keys attributes by Name only). */
function findByFriendlyName(profile: SamlProfile, name: string): string[] {
  const assertion = profile.getAssertion?.() as
    | {
        Assertion?: {
          AttributeStatement?: { Attribute?: { $?: Record<string, string>; AttributeValue?: unknown[] }[] }[];
        };
      }
    | undefined;
  const out: string[] = [];
  for (const statement of assertion?.Assertion?.AttributeStatement ?? [])
    for (const attribute of statement.Attribute ?? [])
      if (attribute.$?.FriendlyName === name)
        for (const v of attribute.AttributeValue ?? []) {
          const text = typeof v === 'string' ? v : (v as { _?: unknown })?._;
          if (typeof text === 'string') out.push(text.trim());
        }
  return out;
}
