// The provider's protocol errors, told to a person in French.
const MESSAGES: Record<string, string> = {
  invalid_redirect_uri:
    'L’adresse de retour de l’application n’est pas autorisée. Contactez le responsable de l’application.',
  invalid_client: 'Cette application n’est pas reconnue par l’ENT.',
  invalid_request: 'La demande de connexion est incomplète ou invalide. Revenez à l’application et réessayez.',
  invalid_scope: 'L’application demande des informations qui ne lui sont pas autorisées.',
  invalid_target: 'L’application demande un accès qui ne lui est pas autorisé.',
  unauthorized_client: 'Cette application n’est pas autorisée à se connecter ainsi.',
  unsupported_response_type: 'Cette méthode de connexion n’est pas prise en charge.',
  session_not_found: 'Votre session de connexion a expiré. Revenez à l’application et reconnectez-vous.',
  invalid_grant: 'Cette demande a expiré ou a déjà été utilisée. Revenez à l’application et reconnectez-vous.',
  access_denied: 'L’accès a été refusé.',
  login_required: 'Vous devez vous connecter.',
  server_error: 'Une erreur inattendue est survenue. Veuillez réessayer.',
};

export function frenchOidcError(out: Record<string, unknown>, error: unknown): { title: string; message: string } {
  const code = String(out.error ?? (error as { error?: string })?.error ?? 'server_error');
  const sessionLost = /session|cookie/i.test(String(out.error_description ?? ''));
  const message = sessionLost
    ? MESSAGES.session_not_found!
    : (MESSAGES[code] ?? 'La demande n’a pas pu aboutir. Revenez à l’application et réessayez.');
  return { title: 'Connexion impossible', message };
}
