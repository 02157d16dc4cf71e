// The French texts of the recovery mails.
import type { MailMessage } from './mail.js';

/** « 1 heure », « 30 minutes », « 2 jours ». */
export function frenchDuration(seconds: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`;
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'jour');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'heure');
  return plural(Math.max(1, Math.round(seconds / 60)), 'minute');
}

interface Person {
  firstName: string;
  lastName: string;
  login: string;
}

export function resetLinkMail(
  to: string,
  person: Person,
  link: string,
  ttlSeconds: number,
  forSomeoneElse: boolean,
): MailMessage {
  const who = `${person.firstName} ${person.lastName}`;
  const intro = forSomeoneElse
    ? `Un lien de réinitialisation du mot de passe a été créé pour le compte ENT de ${who} (identifiant « ${person.login} »).\nTransmettez-le à cette personne : il lui permettra de choisir un nouveau mot de passe.`
    : `Bonjour ${who},\n\nVous avez demandé à réinitialiser le mot de passe de votre compte ENT (identifiant « ${person.login} »).`;
  return {
    to,
    subject: 'Réinitialisation du mot de passe ENT',
    text: [
      intro,
      '',
      `Pour choisir un nouveau mot de passe, ouvrez ce lien (valable ${frenchDuration(ttlSeconds)}, une seule fois) :`,
      link,
      '',
      "Si personne n'a fait cette demande, ignorez ce message : le mot de passe actuel reste valable.",
      '',
    ].join('\n'),
  };
}

export function forgottenLoginMail(to: string, people: readonly Person[], entAddress: string): MailMessage {
  const lines = people.map((p) => `  - ${p.firstName} ${p.lastName} : ${p.login}`);
  return {
    to,
    subject: 'Vos identifiants ENT',
    text: [
      'Bonjour,',
      '',
      people.length > 1
        ? 'Voici les identifiants ENT associés à cette adresse e-mail :'
        : "Voici l'identifiant ENT associé à cette adresse e-mail :",
      '',
      ...lines,
      '',
      `Adresse de l'ENT : ${entAddress}`,
      '',
      'Si vous avez aussi oublié votre mot de passe, utilisez « Mot de passe oublié » sur la page de connexion.',
      "Si vous n'avez rien demandé, ignorez ce message.",
      '',
    ].join('\n'),
  };
}
