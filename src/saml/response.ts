// The IdP's XML: its metadata and the signed Response to an AuthnRequest. Hand-built (every
// value through escapeXml), then signed with xml-crypto: the Assertion (enveloped, exclusive
// C14N, RSA-SHA256, SHA-256 digest, the certificate in KeyInfo), then the Response around it.
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { escapeXml } from '../cas/xml.js';
import type { SamlAttribute } from '../domain/saml/index.js';
import { NAMEID_PERSISTENT, NAMEID_UNSPECIFIED } from '../domain/saml/index.js';
import { BINDING_POST, BINDING_REDIRECT } from '../domain/saml/xml.js';
import type { IdpSigningKey } from './certificate.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const ASSERTION_TTL_MS = 5 * 60 * 1000;

export const samlId = () => `_${randomBytes(20).toString('hex')}`;

export function idpMetadata(issuer: string, key: IdpSigningKey): string {
  const e = escapeXml;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${e(`${issuer}/saml/metadata`)}">`,
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`,
    `    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
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
  inResponseTo: string;
  nameId: { format: string; value: string };
  attributes: SamlAttribute[];
  authnInstant: Date;
  sessionIndex: string;
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
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
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

export function signedResponse(input: ResponseInput, key: IdpSigningKey): string {
  const e = escapeXml;
  const now = input.now ?? new Date();
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
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
    `<saml:SubjectConfirmationData InResponseTo="${e(input.inResponseTo)}" NotOnOrAfter="${notOnOrAfter}" Recipient="${e(input.acs)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${e(input.spEntityId)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(input.authnInstant)}" SessionIndex="${e(input.sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD_PROTECTED}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`;
  const signedAssertion = sign(assertion, key, 'Assertion', "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']");
  const response =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${samlId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${e(input.acs)}" InResponseTo="${e(input.inResponseTo)}">` +
    `<saml:Issuer>${e(input.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    signedAssertion.replace(/^<\?xml[^>]*>/, '') +
    `</samlp:Response>`;
  return response;
}
