// Wording shared by the PDF and CSV connection sheets (the seed's sign-in steps).
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';

/** 2010-08-01 → 01/08/2010 */
export const frenchDate = (iso: string | null): string => {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
};

export const kindLabel = (kind: ConnectionSheetRow['kind']): string =>
  kind === 'activation' ? "Code d'activation" : kind === 'renewal' ? 'Code de renouvellement' : '';

/** The day the code stops working, in the school's time zone (« 31/08/2026 »). */
export const validUntil = (row: ConnectionSheetRow): string =>
  row.codeExpiresAt ? row.codeExpiresAt.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' }) : '';

/** « Pour le parent de test enfant et Lucas Martin », or null for a pupil or a parent without children here. */
export function forParentOf(row: ConnectionSheetRow): string | null {
  const names = (row.children ?? []).map((c) => c.displayName);
  if (!names.length) return null;
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} et ${names.at(-1)}` : names[0];
  return `Pour le parent de ${list}`;
}

/** An activation code opens the account; a renewal code replaces a password already chosen. */
export const stepsHeading = (row: ConnectionSheetRow): string =>
  row.kind === 'renewal' ? 'Pour changer votre mot de passe' : 'Pour vous connecter la première fois';

/** The page the code opens (src/interactions/set-password.ts names it so). */
const passwordPage = (row: ConnectionSheetRow): string =>
  row.kind === 'activation' ? 'Activation de votre compte' : 'Réinitialisation du mot de passe';

export function signInSteps(row: ConnectionSheetRow): string[] {
  const address = row.entAddress || "l'adresse de l'ENT de votre école";
  return [
    `Allez à l'adresse de l'ENT : ${address} (ou scannez le code QR)`,
    `Sur la page CONNEXION, saisissez votre identifiant dans « Identifiant » : ${row.login}`,
    `Saisissez le code ${row.code ?? ''} dans le champ « Mot de passe », puis cliquez sur CONNEXION.`.replace(
      '  ',
      ' ',
    ),
    `Sur la page « ${passwordPage(row)} », choisissez votre nouveau mot de passe et saisissez-le une seconde fois dans « Confirmation du nouveau mot de passe ».`,
    'Cliquez sur ENREGISTRER : vous êtes connecté, et votre compte apparaît comme « Activé ».',
  ];
}
