// The IdP's XML: its metadata and the signed Response to an AuthnRequest. Hand-built (every
// value through escapeXml), then signed with xml-crypto: the Assertion (enveloped, exclusive
// C14N, RSA-SHA256, SHA-256 digest, the certificate in KeyInfo), encrypted when the SP has an
// encryption certificate (encrypt.ts), then the Response around it, signed last so its
// signature covers the final bytes, the signed (or encrypted) Assertion included. Both are
// always signed, whatever WantAssertionsSigned says: an SP that checks only one finds it.
// An error (statusResponse) is a signed Response with a status and no Assertion.
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { escapeXml } from '../cas/xml.js';
import type { SamlAttribute } from '../domain/saml/index.js';
import { NAMEID_PERSISTENT, NAMEID_UNSPECIFIED } from '../domain/saml/index.js';
import { BINDING_POST, BINDING_REDIRECT } from '../domain/saml/xml.js';
import type { IdpSigningKey } from './certificate.js';
import { encryptAssertion, type EncryptionTarget } from './encrypt.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const ASSERTION_TTL_MS = 5 * 60 * 1000;

export const samlId = () => `_${randomBytes(20).toString('hex')}`;

/**
 * The IdP's metadata: one signing KeyDescriptor per published key, the current one first (an
 * SP trusts any of them, so the next key is known before it signs; certificate.ts).
 */
export function idpMetadata(issuer: string, keys: IdpSigningKey[]): string {
  const e = escapeXml;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${e(`${issuer}/saml/metadata`)}">`,
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`,
    ...keys.map(
      (key) =>
        `    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    ),
    `    <md:SingleLogoutService Binding="${BINDING_REDIRECT}" Location="${e(`${issuer}/saml/slo`)}"/>`,
    `    <md:SingleLogoutService Binding="${BINDING_POST}" Location="${e(`${issuer}/saml/slo`)}"/>`,
    `    <md:NameIDFormat>${NAMEID_PERSISTENT}</md:NameIDFormat>`,
    `    <md:NameIDFormat>${NAMEID_UNSPECIFIED}</md:NameIDFormat>`,
    `    <md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${e(`${issuer}/saml/sso`)}"/>`,
    `    <md:SingleSignOnService Binding="${BINDING_POST}" Location="${e(`${issuer}/saml/sso`)}"/>`,
    `  </md:IDPSSODescriptor>`,
    `</md:EntityDescriptor>`,
    ``,
  ].join('\n');
}

export interface ResponseInput {
  idpEntityId: string;
  spEntityId: string;
  acs: string;
  /** null: an unsolicited Response (IdP-initiated). */
  inResponseTo: string | null;
  nameId: { format: string; value: string };
  attributes: SamlAttribute[];
  authnInstant: Date;
  sessionIndex: string;
  /** The SP's encryption certificate: the Assertion is sent encrypted. */
  encryptFor?: EncryptionTarget | null;
  now?: Date;
}

/** `xml` with an enveloped signature of its root `local`, placed after its Issuer. */
export function sign(
  xml: string,
  key: IdpSigningKey,
  local: 'Assertion' | 'Response' | 'LogoutRequest' | 'LogoutResponse',
  issuerXpath: string,
): string {
  const sig = new SignedXml({
    // The key parsed once, and our certificate's KeyInfo as we publish it: xml-crypto would
    // parse the PEM key and the certificate again on every signature (bench/saml.ts profile).
    privateKey: key.privateKeyObject ?? key.privateKeyPem,
    publicCert: key.certificatePem,
    getKeyInfoContent: ({ prefix }: { prefix?: string | null }) => {
      const p = prefix ? `${prefix}:` : '';
      return `<${p}X509Data><${p}X509Certificate>${key.certificateBase64}</${p}X509Certificate></${p}X509Data>`;
    },
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({
    xpath: `//*[local-name(.)='${local}']`,
    digestAlgorithm: SHA256,
    transforms: [ENVELOPED, EXC_C14N],
  });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: issuerXpath, action: 'after' } });
  return sig.getSignedXml();
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';
// ds:Signature goes right after the root's Issuer, where the schema wants it.
const RESPONSE_ISSUER = "/*[local-name(.)='Response']/*[local-name(.)='Issuer']";
const ASSERTION_ISSUER = "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']";
/** The second-level status of an error Response (top level: Responder). */
export type ErrorStatus = 'NoPassive' | 'RequestDenied' | 'AuthnFailed';

function responseXml(
  input: { idpEntityId: string; acs: string; inResponseTo: string | null; now: Date },
  status: string,
  assertion: string,
): string {
  const e = escapeXml;
  const inResponseTo = input.inResponseTo === null ? '' : ` InResponseTo="${e(input.inResponseTo)}"`;
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${samlId()}" Version="2.0" IssueInstant="${iso(input.now)}" Destination="${e(input.acs)}"${inResponseTo}>` +
    `<saml:Issuer>${e(input.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status>${status}</samlp:Status>` +
    assertion +
    `</samlp:Response>`
  );
}

/** A signed Response saying why there is no assertion (Responder, then `status`). */
export function statusResponse(
  input: { idpEntityId: string; acs: string; inResponseTo: string | null; status: ErrorStatus; now?: Date },
  key: IdpSigningKey,
): string {
  const code = `<samlp:StatusCode Value="${STATUS}Responder"><samlp:StatusCode Value="${STATUS}${input.status}"/></samlp:StatusCode>`;
  return sign(responseXml({ ...input, now: input.now ?? new Date() }, code, ''), key, 'Response', RESPONSE_ISSUER);
}

export async function signedResponse(input: ResponseInput, key: IdpSigningKey): Promise<string> {
  const e = escapeXml;
  const now = input.now ?? new Date();
  const notOnOrAfter = iso(new Date(now.getTime() + ASSERTION_TTL_MS));
  const notBefore = iso(new Date(now.getTime() - 60_000));
  const assertionId = samlId();
  const attributes = input.attributes
    .map(
      (a) =>
        `<saml:Attribute Name="${e(a.name)}" NameFormat="${e(a.nameFormat)}"${a.friendlyName ? ` FriendlyName="${e(a.friendlyName)}"` : ''}>` +
        a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${e(v)}</saml:AttributeValue>`).join('') +
        `</saml:Attribute>`,
    )
    .join('');
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${e(input.idpEntityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${e(input.nameId.format)}"${input.nameId.format === NAMEID_PERSISTENT ? ` NameQualifier="${e(input.idpEntityId)}" SPNameQualifier="${e(input.spEntityId)}"` : ''}>${e(input.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${input.inResponseTo === null ? '' : ` InResponseTo="${e(input.inResponseTo)}"`} NotOnOrAfter="${notOnOrAfter}" Recipient="${e(input.acs)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${e(input.spEntityId)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(input.authnInstant)}" SessionIndex="${e(input.sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD_PROTECTED}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`;
  const signedAssertion = sign(assertion, key, 'Assertion', ASSERTION_ISSUER).replace(/^<\?xml[^>]*>/, '');
  const sent = input.encryptFor ? await encryptAssertion(signedAssertion, input.encryptFor) : signedAssertion;
  const success = `<samlp:StatusCode Value="${STATUS}Success"/>`;
  return sign(responseXml({ ...input, now }, success, sent), key, 'Response', RESPONSE_ISSUER);
}
