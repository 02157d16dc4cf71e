// « Mot de passe enregistré »: long enough to be read, then on to the application, as if
// « Continuer » were pressed (it can be at once). Without script the button is the way on.
(function () {
  var link = document.querySelector('a[data-continue]');
  if (!link) return;
  link.focus();
  window.setTimeout(function () {
    window.location.assign(link.href);
  }, 2500);
})();
