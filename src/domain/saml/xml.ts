// The one way ent-idp reads SAML XML (AuthnRequests, SP metadata): @xmldom/xmldom, with any
// document type declaration refused before parsing (no DTD, hence no entity expansion: XXE
// and "billion laughs" never reach the parser), a size bound, and parse errors as failures.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';
export const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';
/** Metadata may be large (several certificates, many endpoints); messages are small. */
export const MAX_XML_LENGTH = 256 * 1024;

export class UnsafeXml extends Error {
  override name = 'UnsafeXml';
}

/** Parses `xml`, refusing DTDs, entities and processing tricks; throws UnsafeXml. */
export function parseXml(xml: string): Document {
  if (xml.length > MAX_XML_LENGTH) throw new UnsafeXml('too large');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new UnsafeXml('document type declarations are refused');
  const fail = (msg: string) => {
    throw new UnsafeXml(`not well-formed: ${msg}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({ onError: (level, msg) => (level === 'warning' ? undefined : fail(msg)) }).parseFromString(
      xml,
      'text/xml',
    );
  } catch (err) {
    if (err instanceof UnsafeXml) throw err;
    throw new UnsafeXml(`not well-formed: ${(err as Error).message}`);
  }
  if (!doc.documentElement) throw new UnsafeXml('no root element');
  return doc;
}

/** The element children of `parent` named `ns`:`local`. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local)
      out.push(n as Element);
  }
  return out;
}

/** Every descendant element named `ns`:`local`. */
export function descendants(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
}
