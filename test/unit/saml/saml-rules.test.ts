// The pure rules of SAML: NameIDs (pairwise, or the identifiant), the attribute profiles, the
// ACS chosen from the metadata, and the XML parser's refusals.
import { nameIdFor, nameIdKeys, samlAttributes } from '../../../src/domain/saml/attributes.js';
import { chooseAcs, parseSpMetadata } from '../../../src/domain/saml/metadata.js';
import { parseXml, UnsafeXml } from '../../../src/domain/saml/xml.js';
import type { AccountClaims } from '../../../src/domain/accounts.js';

const keys = nameIdKeys(Buffer.alloc(32, 7));
const account = { id: '2b1f6d0e-0000-4000-8000-000000000001', login: 'enfant.test' };
const claims = {
  account: { ...account, firstName: 'Léa', lastName: 'Martin', profile: 'Student' },
  structure: { uai: '0801234A' },
  classes: [{ name: 'CM2 A' }],
  children: [],
} as unknown as AccountClaims;

describe('NameID', () => {
  it('is pairwise by default: stable for one SP, different for another, never the identifiant', () => {
    const a = nameIdFor(keys, { entityId: 'https://a.example/', nameIdFormat: 'persistent' }, account);
    const again = nameIdFor(keys, { entityId: 'https://a.example/', nameIdFormat: 'persistent' }, account);
    const b = nameIdFor(keys, { entityId: 'https://b.example/', nameIdFormat: 'persistent' }, account);
    expect(a).toEqual(again);
    expect(a.value).not.toBe(b.value);
    expect(a.value).not.toContain('enfant');
    expect(a.format).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  });

  it('is the identifiant when the SP is registered so', () => {
    expect(nameIdFor(keys, { entityId: 'x', nameIdFormat: 'identifiant' }, account)).toEqual({
      format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      value: 'enfant.test',
    });
  });
});

describe('attribute profiles', () => {
  it('default: urn:oid names, our names as FriendlyName', () => {
    const list = samlAttributes(null, claims, { keys, garIdEnt: null });
    expect(list.map((a) => [a.friendlyName, a.values])).toEqual([
      ['identifiant', ['enfant.test']],
      ['nom', ['Martin']],
      ['prenom', ['Léa']],
      ['profil', ['student']],
      ['uai', ['{UAI}0801234A']],
      ['classes', ['CM2 A']],
    ]);
    expect(list.every((a) => a.name.startsWith('urn:oid:'))).toBe(true);
  });

  it('gar: an opaque GARPersonIdentifiant (never the identifiant), idEnt from the setting', () => {
    const list = samlAttributes('gar', claims, { keys, garIdEnt: 'ENT-TEST' });
    const by = Object.fromEntries(list.map((a) => [a.name, a.values]));
    expect(by.GARPersonIdentifiant![0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(list)).not.toContain('enfant.test');
    expect(by.idEnt).toEqual(['ENT-TEST']);
    expect(by.GARStructureUAI).toEqual(['0801234A']);
    expect(samlAttributes('gar', claims, { keys, garIdEnt: null }).some((a) => a.name === 'idEnt')).toBe(false);
  });
});

describe('SP metadata and the ACS', () => {
  const md = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">
    <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example/art" index="0"/>
      <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/a" index="1"/>
      <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/b" index="2" isDefault="true"/>
    </md:SPSSODescriptor></md:EntityDescriptor>`;
  const parsed = parseSpMetadata(md);

  it('keeps the HTTP-POST ACS only; a request names one by URL or index, else the default', () => {
    expect(parsed.acs.map((a) => a.location)).toEqual(['https://sp.example/a', 'https://sp.example/b']);
    expect(chooseAcs(parsed, { url: 'https://sp.example/a', index: null })).toBe('https://sp.example/a');
    expect(chooseAcs(parsed, { url: 'https://sp.example/a/', index: null })).toBeNull();
    expect(chooseAcs(parsed, { url: 'https://sp.example/art', index: null })).toBeNull();
    expect(chooseAcs(parsed, { url: null, index: 1 })).toBe('https://sp.example/a');
    expect(chooseAcs(parsed, { url: null, index: 0 })).toBeNull();
    expect(chooseAcs(parsed, { url: null, index: null })).toBe('https://sp.example/b');
  });
});

describe('parseXml', () => {
  it.each([
    ['<!DOCTYPE a><a/>'],
    ['<?xml version="1.0"?>\n<!doctype a [<!ENTITY x "y">]><a>&x;</a>'],
    ['<a><b></a>'],
    [''],
  ])('refuses %j', (xml) => {
    expect(() => parseXml(xml)).toThrow(UnsafeXml);
  });
});
