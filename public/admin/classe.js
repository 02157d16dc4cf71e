// « Paramétrage de la classe », progressive enhancement: the page works without this file
// (forms, ?q=, confirmation page). With it: live search (debounced fetch of the rows
// fragment), select-all, a selection counter, the class picker on change, and a <dialog>
// before BLOQUER and RÉINITIALISER.
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  for (const el of document.querySelectorAll('.js-only[hidden]')) el.hidden = false;

  const form = document.getElementById('selection');
  const tbody = document.getElementById('lignes');
  const all = document.getElementById('tout');
  const counter = document.getElementById('compte-selection');
  const total = document.getElementById('total');
  const counterText = counter ? counter.textContent : '';

  const boxes = () => Array.from(document.querySelectorAll('.pick-box'));

  function refreshSelection() {
    const list = boxes();
    const n = list.filter((b) => b.checked).length;
    if (all) {
      all.checked = n > 0 && n === list.length;
      all.indeterminate = n > 0 && n < list.length;
    }
    if (counter) {
      counter.textContent =
        n === 0 ? counterText : n === 1 ? '1 utilisateur sélectionné' : n + ' utilisateurs sélectionnés';
      counter.classList.toggle('has-selection', n > 0);
    }
  }

  if (all) {
    all.addEventListener('change', () => {
      for (const b of boxes()) b.checked = all.checked;
      refreshSelection();
    });
  }
  if (tbody)
    tbody.addEventListener('change', (e) => {
      if (e.target instanceof HTMLInputElement && e.target.classList.contains('pick-box')) refreshSelection();
    });
  // A click anywhere on a row ticks its box (the box itself, links, buttons and a text
  // selection keep their own behaviour); the keyboard still goes box to box with Tab/Space.
  if (tbody)
    tbody.addEventListener('click', (e) => {
      if (!(e.target instanceof Element) || e.target.closest('input, label, a, button, select')) return;
      if (String(window.getSelection() || '')) return;
      const row = e.target.closest('tr');
      const box = row && row.querySelector('.pick-box');
      if (!box) return;
      box.checked = !box.checked;
      box.dispatchEvent(new Event('change', { bubbles: true }));
    });
  refreshSelection();

  // Class picker: changing the class shows it.
  const picker = document.querySelector('select[data-autosubmit]');
  if (picker) picker.addEventListener('change', () => picker.form.submit());

  // Live search: the rows of the same page, fetched as a fragment, ~250 ms after typing stops.
  const search = document.getElementById('q');
  if (search && tbody && search.dataset.fragment) {
    let timer;
    let controller;
    let last = search.value.trim();
    const run = () => {
      const q = search.value.trim();
      if (q === last) return;
      last = q;
      if (controller) controller.abort();
      controller = new AbortController();
      const url = new URL(search.dataset.fragment, location.href);
      if (q) url.searchParams.set('q', q);
      tbody.setAttribute('aria-busy', 'true');
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' }, signal: controller.signal })
        .then((res) => {
          if (res.status === 401) {
            location.reload();
            return null;
          }
          if (!res.ok) throw new Error('HTTP ' + res.status);
          const count = Number(res.headers.get('X-Total-Count') || '0');
          return res.text().then((html) => ({ html, count }));
        })
        .then((result) => {
          if (!result) return;
          tbody.innerHTML = result.html;
          tbody.removeAttribute('aria-busy');
          if (total)
            total.textContent =
              result.count + (result.count > 1 ? ' comptes' : ' compte') + (q ? ' pour « ' + q + ' »' : '');
          for (const input of document.querySelectorAll('input[name="q"][type="hidden"]')) input.value = q;
          const shown = new URL(location.href);
          if (q) shown.searchParams.set('q', q);
          else shown.searchParams.delete('q');
          shown.searchParams.delete('page');
          history.replaceState(null, '', shown);
          refreshSelection();
        })
        .catch((err) => {
          if (err.name !== 'AbortError') tbody.removeAttribute('aria-busy');
        });
    };
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    search.form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearTimeout(timer);
      last = null;
      run();
    });
  }

  // FICHES DE CONNEXIONS and the badges: the PDF fetched and handed to the browser as a
  // download, so the page can say at once what was printed (without this, it says so on return).
  const PDF_ACTIONS = ['fiches', 'badges', 'nouveaux-badges'];
  const notices = document.getElementById('annonces');
  if (form && notices && window.fetch && window.URL && URL.createObjectURL) {
    form.addEventListener('submit', (e) => {
      const button = e.submitter;
      if (!button || !PDF_ACTIONS.includes(button.value) || e.defaultPrevented) return;
      if (form.dataset.confirmed === button.value) {
        delete form.dataset.confirmed;
        return;
      }
      e.preventDefault();
      const body = new FormData(form);
      body.set('action', button.value);
      button.disabled = true;
      // form.action would be the buttons named « action »: the attribute is the address.
      fetch(form.getAttribute('action'), {
        method: 'POST',
        body: new URLSearchParams(body),
        credentials: 'same-origin',
        headers: { 'X-Sheets-Request': 'fetch' },
      })
        .then((res) => {
          if (!res.ok || !(res.headers.get('Content-Type') || '').startsWith('application/pdf')) {
            // An error page (nothing ticked, expired page…): let the form show it the usual way.
            button.disabled = false;
            form.dataset.confirmed = button.value;
            form.requestSubmit(button);
            return;
          }
          const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
          const notice = decodeURIComponent(res.headers.get('X-Notice') || '');
          return res.blob().then((blob) => {
            const link = document.createElement('a');
            link.href = URL.createObjectURL(blob);
            link.download = name ? name[1] : `${button.value}.pdf`;
            document.body.appendChild(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(link.href), 60000);
            const p = document.createElement('p');
            p.className = 'message notice';
            p.textContent = notice;
            notices.replaceChildren(p);
          });
        })
        .catch(() => {
          button.disabled = false;
          form.dataset.confirmed = button.value;
          form.requestSubmit(button);
        })
        .finally(() => {
          button.disabled = false;
        });
    });
  }

  // Confirmation before BLOQUER and RÉINITIALISER LE MOT DE PASSE.
  const dialog = document.getElementById('confirmation');
  const MESSAGES = {
    bloquer: {
      title: (n) => (n > 1 ? 'Bloquer ' + n + ' comptes ?' : 'Bloquer ce compte ?'),
      text: 'Un compte bloqué ne peut plus se connecter à l’ENT, ni avec son mot de passe ni avec un code, et ses connexions en cours sont fermées. Vous pourrez le débloquer à tout moment.',
      ok: 'BLOQUER',
    },
    reinitialiser: {
      title: (n) =>
        n > 1 ? 'Réinitialiser le mot de passe de ' + n + ' comptes ?' : 'Réinitialiser le mot de passe ?',
      text: 'Un lien pour choisir un nouveau mot de passe sera envoyé par e-mail (à vous pour un élève sans adresse). L’ancien mot de passe reste valable tant que le nouveau n’est pas choisi.',
      ok: 'RÉINITIALISER LE MOT DE PASSE',
    },
  };
  if (form && dialog && typeof dialog.showModal === 'function') {
    form.addEventListener('submit', (e) => {
      const button = e.submitter;
      const kind = button && button.dataset.confirm;
      const n = boxes().filter((b) => b.checked).length;
      if (!kind || n === 0 || form.dataset.confirmed === kind) return;
      e.preventDefault();
      const m = MESSAGES[kind];
      document.getElementById('confirmation-titre').textContent = m.title(n);
      document.getElementById('confirmation-texte').textContent = m.text;
      const ok = document.getElementById('confirmation-ok');
      ok.textContent = m.ok;
      ok.classList.toggle('warn', kind === 'bloquer');
      dialog.returnValue = '';
      dialog.showModal();
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        if (dialog.returnValue !== 'oui') {
          button.focus();
          return;
        }
        const confirmed = document.createElement('input');
        confirmed.type = 'hidden';
        confirmed.name = 'confirme';
        confirmed.value = 'oui';
        form.appendChild(confirmed);
        form.dataset.confirmed = kind;
        form.requestSubmit(button);
      });
    });
  }
})();
