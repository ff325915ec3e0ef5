// The console's one script: the pages work without it; it adds keyboard shortcuts, the decision preview's count
// and the language picker's change on selection. No inline script anywhere (the pages' CSP allows 'self' only).
'use strict';

(function () {
  const DECISION_KEYS = { a: 'approve', r: 'redact', e: 'reject', f: 'false-positive' };

  const NOT_TYPING = ['checkbox', 'radio', 'button', 'submit', 'reset'];

  /** A key meant for a field (or with a modifier) is the field's, not a shortcut. */
  function typing(event) {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return true;
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
    return target.tagName === 'INPUT' && !NOT_TYPING.includes(target.type);
  }

  function languagePicker() {
    const select = document.getElementById('language-select');
    if (select && select.form) select.addEventListener('change', () => select.form.requestSubmit());
  }

  function bulkPreview() {
    const form = document.getElementById('bulk');
    if (!form) return null;
    const preview = form.querySelector('[data-testid="preview-count"]');
    const template = preview.dataset.template || '{count}';
    const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
    const show = (count) => {
      preview.textContent = template.replace('{count}', numbers.format(count));
    };
    const update = () => {
      const scope = form.querySelector('input[name="scope"]:checked');
      if (!scope || scope.value === 'selected') {
        form.elements.confirmed.value = '';
        show(document.querySelectorAll('input[name="ids"]:checked').length);
        return;
      }
      fetch(form.dataset.previewUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
        .then((body) => {
          form.elements.confirmed.value = String(body.count);
          show(body.count);
        })
        .catch(() => {
          // the server asks to confirm the number itself when it was not previewed
          form.elements.confirmed.value = '';
          show(Number(preview.dataset.filterCount || 0));
        });
    };
    form.addEventListener('change', update);
    document.querySelectorAll('input[name="ids"]').forEach((box) => box.addEventListener('change', update));
    update();
    return { form, update };
  }

  function queueKeys(bulk) {
    const rows = Array.from(document.querySelectorAll('tr[data-testid="queue-row"]'));
    if (rows.length === 0) return;
    let current = -1;
    rows.forEach((row) => row.setAttribute('tabindex', '-1'));
    const focus = (index) => {
      if (current >= 0) rows[current].classList.remove('focused');
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add('focused');
      rows[current].focus();
    };
    document.addEventListener('keydown', (event) => {
      if (typing(event)) return;
      const row = rows[current];
      if (event.key === 'j') focus(current + 1);
      else if (event.key === 'k') focus(current - 1);
      else if ((event.key === 'o' || (event.key === 'Enter' && event.target === row)) && row) {
        window.location.assign(row.querySelector('a.open').href);
      } else if (event.key === 'x' && row) {
        const box = row.querySelector('input[name="ids"]');
        if (box) {
          box.checked = !box.checked;
          box.dispatchEvent(new Event('change', { bubbles: true }));
        }
      } else if (DECISION_KEYS[event.key] && bulk) {
        bulk.form.elements.decision.value = DECISION_KEYS[event.key];
        document.getElementById('scope-selected').checked = true;
        bulk.update();
        document.getElementById('bulk-decide').focus();
      } else return;
      event.preventDefault();
    });
  }

  function itemKeys() {
    const select = document.getElementById('decision-select');
    const decide = document.getElementById('decide');
    if (!select || !decide) return;
    document.addEventListener('keydown', (event) => {
      if (typing(event) || !DECISION_KEYS[event.key]) return;
      select.value = DECISION_KEYS[event.key];
      decide.focus();
      event.preventDefault();
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    languagePicker();
    const page = document.body.dataset.page;
    if (page === 'queue') queueKeys(bulkPreview());
    if (page === 'item') itemKeys();
  });
})();
