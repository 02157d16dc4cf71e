// The codes screen: the IMPRIMER button (printing works from the browser menu without it).
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  const button = document.getElementById('imprimer');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => window.print());
})();
