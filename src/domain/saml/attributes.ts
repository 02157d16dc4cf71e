// What a SAML service provider learns: the NameID and the attributes of the assertion.
//
// NameID: by default `persistent`, a pairwise opaque id — HMAC-SHA-256 of (sub, SP entity id)
// under a key derived from KEYSTORE_ENCRYPTION_KEY — so two SPs cannot link their users and
// the identifiant never leaves; `identifiant` (registered so) sends the identifiant itself.
//
// Attributes, default profile: standard names (urn:oid, LDAP/eduPerson/SupAnn) with our
// CAS names as FriendlyName. `gar` (a stub of the GAR's profile): GARPersonIdentifiant, an
// opaque stable id (never the identifiant), the profile, the UAI, the classes, and idEnt
// from the setting SAML_GAR_ID_ENT.
import type { Profile } from '../../db/entities/index.js';
import type { AccountClaims } from '../accounts.js';
import { deriveKey, digest } from '../crypto.js';
import type { NameIdFormat, SamlAttributeProfile } from './services.js';

export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
export const ATTRNAME_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
export const ATTRNAME_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';

export interface SamlAttribute {
  name: string;
  friendlyName?: string;
  nameFormat: string;
  values: string[];
}

const AFFILIATION: Record<Profile, string> = {
  Student: 'student',
  Relative: 'affiliate',
  Teacher: 'faculty',
  Personnel: 'staff',
};
const GAR_PROFILES: Record<Profile, string> = {
  Student: 'National_elv',
  Relative: 'National_tut',
  Teacher: 'National_ens',
  Personnel: 'National_doc',
};

export interface NameIdKeys {
  pairwise: Buffer;
  gar: Buffer;
}

export function nameIdKeys(keystoreEncryptionKey: Buffer): NameIdKeys {
  return {
    pairwise: deriveKey(keystoreEncryptionKey, 'saml-pairwise-nameid'),
    gar: deriveKey(keystoreEncryptionKey, 'saml-gar-person-id'),
  };
}

export function nameIdFor(
  keys: NameIdKeys,
  sp: { entityId: string; nameIdFormat: NameIdFormat },
  account: { id: string; login: string },
): { format: string; value: string } {
  if (sp.nameIdFormat === 'identifiant') return { format: NAMEID_UNSPECIFIED, value: account.login };
  return { format: NAMEID_PERSISTENT, value: digest(keys.pairwise, `${account.id}\u0000${sp.entityId}`) };
}

const uri = (name: string, friendlyName: string, values: string[]): SamlAttribute => ({
  name,
  friendlyName,
  nameFormat: ATTRNAME_URI,
  values,
});
const basic = (name: string, values: string[]): SamlAttribute => ({ name, nameFormat: ATTRNAME_BASIC, values });

export function samlAttributes(
  profile: SamlAttributeProfile | null,
  claims: AccountClaims,
  options: { keys: NameIdKeys; garIdEnt: string | null },
): SamlAttribute[] {
  const { account, structure, classes } = claims;
  if (profile === 'gar') {
    return [
      basic('GARPersonIdentifiant', [digest(options.keys.gar, account.id)]),
      basic('GARPersonProfils', [GAR_PROFILES[account.profile]]),
      basic('GARPersonNom', [account.lastName]),
      basic('GARPersonPrenom', [account.firstName]),
      basic('GARStructureUAI', structure ? [structure.uai] : []),
      basic(
        'GARPersonClasses',
        classes.map((c) => c.name),
      ),
      ...(options.garIdEnt ? [basic('idEnt', [options.garIdEnt])] : []),
    ].filter((a) => a.values.length);
  }
  return [
    uri('urn:oid:0.9.2342.19200300.100.1.1', 'identifiant', [account.login]),
    uri('urn:oid:2.5.4.4', 'nom', [account.lastName]),
    uri('urn:oid:2.5.4.42', 'prenom', [account.firstName]),
    uri('urn:oid:1.3.6.1.4.1.5923.1.1.1.5', 'profil', [AFFILIATION[account.profile]]),
    uri('urn:oid:1.3.6.1.4.1.7135.1.2.1.14', 'uai', structure ? [`{UAI}${structure.uai}`] : []),
    uri(
      'urn:oid:1.3.6.1.4.1.5923.1.5.1.1',
      'classes',
      classes.map((c) => c.name),
    ),
  ].filter((a) => a.values.length);
}
