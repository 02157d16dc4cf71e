// Submits the SAML Response form at once (the button stays for browsers without script).
document.getElementById('saml-post')?.submit();
