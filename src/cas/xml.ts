// The XML ent-idp speaks to CAS services: validation responses (CAS 2 and 3) and single
// logout requests (SAML 2 LogoutRequest, CAS 3 § 2.3.3). Every value goes through
// `escapeXml`; element names are ours (attribute names are checked against a fixed list).
import { randomUUID } from 'node:crypto';
import type { Attribute } from '../domain/cas/index.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Characters XML 1.0 cannot carry at all (not even as references). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export function escapeXml(value: string): string {
  return value.replace(FORBIDDEN, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const CAS_NS = 'http://www.yale.edu/tp/cas';

function element(name: string, value: string): string {
  if (!NAME.test(name)) throw new Error(`not an XML name: ${name}`);
  return `<cas:${name}>${escapeXml(value)}</cas:${name}>`;
}

export function validationSuccess(user: string, attributes?: { list: Attribute[]; fromNewLogin: boolean }): string {
  const lines = [
    `<cas:serviceResponse xmlns:cas="${CAS_NS}">`,
    '  <cas:authenticationSuccess>',
    `    ${element('user', user)}`,
  ];
  if (attributes) {
    lines.push('    <cas:attributes>');
    lines.push(`      ${element('isFromNewLogin', String(attributes.fromNewLogin))}`);
    for (const { name, values } of attributes.list)
      for (const value of values) lines.push(`      ${element(name, value)}`);
    lines.push('    </cas:attributes>');
  }
  lines.push('  </cas:authenticationSuccess>', '</cas:serviceResponse>', '');
  return lines.join('\n');
}

export function validationFailure(code: string, message: string): string {
  return [
    `<cas:serviceResponse xmlns:cas="${CAS_NS}">`,
    `  <cas:authenticationFailure code="${escapeXml(code)}">${escapeXml(message)}</cas:authenticationFailure>`,
    '</cas:serviceResponse>',
    '',
  ].join('\n');
}

/** CAS 3 § 2.3.3: the SessionIndex is the service ticket the session was opened with. */
export function logoutRequest(ticket: string, now = new Date()): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="LR-${randomUUID()}" Version="2.0" IssueInstant="${now.toISOString()}">` +
    `<saml:NameID>@NOT_USED@</saml:NameID>` +
    `<samlp:SessionIndex>${escapeXml(ticket)}</samlp:SessionIndex>` +
    `</samlp:LogoutRequest>`
  );
}
