// The IdP's single logout messages (SAML 2.0 core § 3.7): the LogoutRequest it sends an SP
// when a provider session ends, and the LogoutResponse to an SP's own LogoutRequest. Built as
// response.ts builds a Response (every value through escapeXml) and signed with the same key:
//   SOAP / HTTP-POST: an enveloped signature of the root (exclusive C14N, RSA-SHA256);
//   HTTP-Redirect:    the deflated message in the query, SigAlg RSA-SHA256 + Signature over
//                     `SAML…=…&RelayState=…&SigAlg=…` as sent (bindings § 3.4.4.1).
import { createSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { escapeXml } from '../cas/xml.js';
import { NAMEID_PERSISTENT } from '../domain/saml/index.js';
import type { IdpSigningKey } from './certificate.js';
import { samlId, sign } from './response.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
/** How long an SP may take to act on our LogoutRequest. */
const REQUEST_TTL_MS = 5 * 60 * 1000;

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface LogoutRequestInput {
  idpEntityId: string;
  spEntityId: string;
  destination: string;
  /** The NameID exactly as the assertion released it (an SP compares format and qualifiers). */
  nameId: { format: string; value: string };
  sessionIndex: string;
  now?: Date;
}

export function logoutRequestXml(input: LogoutRequestInput): string {
  const e = escapeXml;
  const now = input.now ?? new Date();
  const qualifiers =
    input.nameId.format === NAMEID_PERSISTENT
      ? ` NameQualifier="${e(input.idpEntityId)}" SPNameQualifier="${e(input.spEntityId)}"`
      : '';
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${samlId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${e(input.destination)}"` +
    ` NotOnOrAfter="${iso(new Date(now.getTime() + REQUEST_TTL_MS))}" Reason="urn:oasis:names:tc:SAML:2.0:logout:user">` +
    `<saml:Issuer>${e(input.idpEntityId)}</saml:Issuer>` +
    `<saml:NameID Format="${e(input.nameId.format)}"${qualifiers}>${e(input.nameId.value)}</saml:NameID>` +
    `<samlp:SessionIndex>${e(input.sessionIndex)}</samlp:SessionIndex>` +
    `</samlp:LogoutRequest>`
  );
}

export interface LogoutResponseInput {
  idpEntityId: string;
  destination: string;
  inResponseTo: string;
  now?: Date;
}

export function logoutResponseXml(input: LogoutResponseInput): string {
  const e = escapeXml;
  return (
    `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${samlId()}" Version="2.0" IssueInstant="${iso(input.now ?? new Date())}" Destination="${e(input.destination)}"` +
    ` InResponseTo="${e(input.inResponseTo)}">` +
    `<saml:Issuer>${e(input.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status>` +
    `</samlp:LogoutResponse>`
  );
}

/** `xml` (a LogoutRequest or LogoutResponse) with an enveloped signature (SOAP, HTTP-POST). */
export function signedMessage(xml: string, key: IdpSigningKey): string {
  const local = xml.startsWith('<samlp:LogoutRequest') ? 'LogoutRequest' : 'LogoutResponse';
  return sign(xml, key, local, `/*[local-name(.)='${local}']/*[local-name(.)='Issuer']`);
}

/** The HTTP-Redirect URL carrying `xml` (unsigned in the XML, signed in the query). */
export function signedRedirectUrl(
  location: string,
  param: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  relayState: string | null,
  key: IdpSigningKey,
): string {
  let query = `${param}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState) query += `&RelayState=${encodeURIComponent(relayState)}`;
  query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
  const signature = createSign('RSA-SHA256').update(query).sign(key.privateKeyPem, 'base64');
  query += `&Signature=${encodeURIComponent(signature)}`;
  return `${location}${location.includes('?') ? '&' : '?'}${query}`;
}

/** A SOAP 1.1 envelope around `xml` (SAML SOAP binding § 3.2). */
export function soapEnvelope(xml: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>` +
    xml.replace(/^<\?xml[^>]*>/, '') +
    `</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}
