// Wording shared by the PDF and CSV connection sheets (the seed's sign-in steps).
import type { ConnectionSheetRow } from '../../../domain/admin/index.js';

/** 2010-08-01 → 01/08/2010 */
export const frenchDate = (iso: string | null): string => {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
};

export const kindLabel = (kind: ConnectionSheetRow['kind']): string =>
  kind === 'activation' ? "Code d'activation" : kind === 'renewal' ? 'Code de renouvellement' : '';

export function signInSteps(row: ConnectionSheetRow): string[] {
  const address = row.entAddress || "l'adresse de l'ENT de votre école";
  return [
    `Allez à l'adresse de l'ENT : ${address}`,
    `Sur la page CONNEXION, saisissez votre identifiant dans « Identifiant » : ${row.login}`,
    `Saisissez le code ${row.code ?? ''} dans le champ « Mot de passe », puis cliquez sur CONNEXION.`.replace(
      '  ',
      ' ',
    ),
    'Sur la page « Réinitialisation du mot de passe », choisissez votre nouveau mot de passe et saisissez-le une seconde fois dans « Confirmation du nouveau mot de passe ».',
    'Cliquez sur ENREGISTRER : vous êtes connecté, et votre compte apparaît comme « Activé ».',
  ];
}
