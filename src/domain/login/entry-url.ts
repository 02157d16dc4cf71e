// The provider's public entry point to CONNEXION: `<ISSUER>/connexion?identifiant=<login>`,
// printed as a QR code on connection sheets and answered by src/interactions/entry.ts. One
// shape in one place for the printer (the admin app) and the provider.

export const CONNECTION_ENTRY_PATH = '/connexion';
export const CONNECTION_ENTRY_PARAM = 'identifiant';

/** `https://ent.example/connexion?identifiant=enfant.test` */
export function connectionEntryUrl(issuer: string, login: string): string {
  const url = new URL(`${issuer.replace(/\/+$/, '')}${CONNECTION_ENTRY_PATH}`);
  url.searchParams.set(CONNECTION_ENTRY_PARAM, login);
  return url.href;
}
