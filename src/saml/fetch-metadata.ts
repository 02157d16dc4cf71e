// SP metadata from an https URL, for `service add … --protocol saml --metadata https://…`:
// https only (the metadata carries the certificates we trust the SP's signatures with), no
// redirect followed, at most MAX_XML_LENGTH bytes, everything within a time bound; each
// failure a MetadataUnavailable saying why, in one line. Read once, at registration: a
// refresh is a second `service add`.
import { MAX_XML_LENGTH } from '../domain/saml/xml.js';

export const METADATA_TIMEOUT_MS = 10_000;

export class MetadataUnavailable extends Error {
  override name = 'MetadataUnavailable';
}

export const isMetadataUrl = (value: string) => /^https?:\/\//i.test(value);

export async function fetchMetadata(
  url: string,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_XML_LENGTH;
  const timeoutMs = options.timeoutMs ?? METADATA_TIMEOUT_MS;
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:')
    throw new MetadataUnavailable(`metadata URL must be https: ${url.slice(0, 200)}`);
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = () =>
    new MetadataUnavailable(`metadata: no complete answer from ${url} within ${timeoutMs / 1000} s`);
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: 'manual',
      signal,
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
    });
  } catch (err) {
    if (signal.aborted) throw timedOut();
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new MetadataUnavailable(
      `metadata: cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new MetadataUnavailable(
      `metadata: ${url} answered HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed: give the final URL)' : ''}`,
    );
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = () => new MetadataUnavailable(`metadata: ${url} is larger than ${maxBytes} bytes`);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk as Uint8Array);
    }
  } catch (err) {
    if (err instanceof MetadataUnavailable) throw err;
    if (signal.aborted) throw timedOut();
    throw new MetadataUnavailable(`metadata: reading ${url} failed: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
