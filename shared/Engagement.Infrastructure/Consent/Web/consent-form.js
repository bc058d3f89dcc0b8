/*
 * Engagement 360 consent form (served as /consent/form.js). No dependencies.
 *
 * Portal pop-up, after login, with a subject token the portal's back end got from POST /api/consent-forms/tokens:
 *   Engagement360Consent.show({ token: '…', lang: 'cs', variant: 'popup' }).then(function (result) { … });
 * resolves with { decided: false } when closed without deciding (Escape, the close button), or
 * { decided: true, status: {…} } once the decisions are recorded.
 *
 * Or let running consent drives decide whether a form is due, which variant and where (pop-up or consent page):
 *   Engagement360Consent.prompt({ token: '…', lang: 'cs' }).then(function (result) { … });
 * resolves with { shown: false } when no form is due.
 *
 * The full-page consent page (/consent/page) works without this script (a plain form POST); with it, the form is
 * sent as JSON and the browser goes on to the page's return address.
 */
(function () {
  'use strict';
  if (window.Engagement360Consent) {
    return;
  }

  var script = document.currentScript;
  var defaultBase = script && script.src ? new URL(script.src, window.location.href).origin : window.location.origin;
  var prefix = 'e360c-';
  var css = [
    '.e360c-backdrop{position:fixed;inset:0;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;padding:1rem}',
    '.e360c-dialog{position:relative;background:#fff;color:#1a1a1a;max-width:40rem;width:100%;max-height:calc(100vh - 2rem);overflow:auto;border-radius:.5rem;padding:1.5rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;box-shadow:0 .5rem 2rem rgba(0,0,0,.3)}',
    '.e360c-dialog h2{font-size:1.4rem;margin:0 2.5rem .5rem 0}',
    '.e360c-dialog h2:focus{outline:none}',
    '.e360c-item{border-top:1px solid #ddd;padding:.75rem 0}',
    '.e360c-item label{font-weight:600;margin-left:.4rem;cursor:pointer}',
    '.e360c-item input{width:1.2rem;height:1.2rem;vertical-align:middle;cursor:pointer}',
    '.e360c-body{margin:.3rem 0 0 1.6rem}',
    '.e360c-status{margin:.2rem 0 0 1.6rem;font-size:.9rem;color:#4a4a4a}',
    '.e360c-hint{font-size:.9rem;color:#4a4a4a}',
    '.e360c-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}',
    '.e360c-actions button{flex:1 1 10rem;font:inherit;padding:.6rem 1rem;border-radius:.3rem;border:2px solid #1f4e8c;background:#fff;color:#1f4e8c;cursor:pointer}',
    '.e360c-actions button.e360c-primary{background:#1f4e8c;color:#fff}',
    '.e360c-dialog button:focus-visible,.e360c-dialog input:focus-visible{outline:3px solid #f0a000;outline-offset:2px}',
    '.e360c-close{position:absolute;top:.75rem;right:.75rem;width:2.25rem;height:2.25rem;font-size:1.4rem;line-height:1;border:none;background:transparent;color:#1a1a1a;cursor:pointer;border-radius:.3rem}',
    '.e360c-message{min-height:1.5em;margin:.75rem 0 0;font-weight:600}',
    '.e360c-message.e360c-error{color:#a00000}'
  ].join('');

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (attributes[name] !== null && attributes[name] !== undefined && attributes[name] !== false) {
        node.setAttribute(name, attributes[name] === true ? '' : String(attributes[name]));
      }
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function newRequestId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function answer(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok) {
        var error = new Error(body.detail || ('HTTP ' + response.status));
        error.status = response.status;
        throw error;
      }
      return body;
    });
  }

  function postDecisions(base, payload) {
    return fetch(base + '/consent/decisions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: 'omit'
    }).then(answer);
  }

  function referenceOf(item) {
    return item.textId + '|' + item.version + '|' + item.language + '|' + item.sha256;
  }

  function decisionsFor(items, action, isTicked) {
    return items.map(function (item) {
      return {
        textId: item.textId,
        version: item.version,
        language: item.language,
        sha256: item.sha256,
        granted: action === 'accept-all' ? true : action === 'decline-all' ? false : isTicked(item)
      };
    });
  }

  // Keeps one request id for the same choices, so a double click or a retry records nothing twice.
  function requestIds(initial) {
    var last = null;
    var id = initial || newRequestId();
    return function (decisions) {
      var key = JSON.stringify(decisions);
      if (last !== null && last !== key) {
        id = newRequestId();
      }
      last = key;
      return id;
    };
  }

  function focusables(container) {
    return Array.prototype.filter.call(
      container.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])'),
      function (node) { return !node.disabled && node.offsetParent !== null; });
  }

  function openDialog(base, options, status) {
    return new Promise(function (resolve) {
      var wording = status.wording;
      var variant = options.variant === 'page' ? 'page' : 'popup';
      var requestIdFor = requestIds();
      var previousFocus = document.activeElement;
      if (!document.getElementById(prefix + 'style')) {
        var style = element('style', { id: prefix + 'style' });
        style.textContent = css;
        document.head.appendChild(style);
      }

      var backdrop = element('div', { 'class': prefix + 'backdrop' });
      var dialog = element('div', {
        'class': prefix + 'dialog',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': prefix + 'title',
        'aria-describedby': prefix + 'intro',
        lang: status.language
      });
      var title = element('h2', { id: prefix + 'title', tabindex: '-1' }, wording.title);
      var intro = element('p', { id: prefix + 'intro' }, wording.intro);
      var form = element('form', { novalidate: true });
      var boxes = {};
      status.items.forEach(function (item, index) {
        var id = prefix + 'item-' + index;
        var row = element('div', { 'class': prefix + 'item' });
        var box = element('input', {
          type: 'checkbox',
          id: id,
          name: 'granted',
          value: referenceOf(item),
          'aria-describedby': id + '-body ' + id + '-status'
        });
        box.checked = item.decision === 'granted';
        boxes[referenceOf(item)] = box;
        row.appendChild(box);
        row.appendChild(element('label', { 'for': id }, item.title));
        row.appendChild(element('p', { id: id + '-body', 'class': prefix + 'body' }, item.body));
        row.appendChild(element('p', { id: id + '-status', 'class': prefix + 'status' }, item.statusText));
        form.appendChild(row);
      });
      form.appendChild(element('p', { 'class': prefix + 'hint' }, wording.withdrawHint));
      var actions = element('div', { 'class': prefix + 'actions' });
      var buttons = [
        element('button', { type: 'button', value: 'decline-all' }, wording.declineAll),
        element('button', { type: 'button', value: 'save' }, wording.save),
        element('button', { type: 'button', value: 'accept-all', 'class': prefix + 'primary' }, wording.acceptAll)
      ];
      buttons.forEach(function (button) { actions.appendChild(button); });
      form.appendChild(actions);
      var message = element('p', { role: 'status', 'aria-live': 'polite', 'class': prefix + 'message' });
      form.appendChild(message);
      var close = element('button', { type: 'button', 'class': prefix + 'close', 'aria-label': wording.close, title: wording.close }, '\u00d7');

      dialog.appendChild(title);
      dialog.appendChild(intro);
      dialog.appendChild(form);
      dialog.appendChild(close);
      backdrop.appendChild(dialog);

      // Everything behind the dialog is taken out of reach of the keyboard and assistive technology while it is open.
      var madeInert = Array.prototype.filter.call(document.body.children, function (node) {
        return node !== backdrop && !node.inert && node.tagName !== 'SCRIPT';
      });
      madeInert.forEach(function (node) { node.inert = true; });
      document.body.appendChild(backdrop);
      title.focus();

      var busy = false;
      function finish(result) {
        document.removeEventListener('keydown', onKey, true);
        backdrop.remove();
        madeInert.forEach(function (node) { node.inert = false; });
        if (previousFocus && typeof previousFocus.focus === 'function') {
          previousFocus.focus();
        }
        resolve(result);
      }

      function setBusy(value) {
        busy = value;
        buttons.concat([close]).forEach(function (button) { button.disabled = value; });
        dialog.setAttribute('aria-busy', value ? 'true' : 'false');
      }

      function decide(action) {
        if (busy) {
          return;
        }
        var decisions = decisionsFor(status.items, action, function (item) { return boxes[referenceOf(item)].checked; });
        setBusy(true);
        message.className = prefix + 'message';
        message.textContent = '';
        postDecisions(base, {
          token: options.token,
          variant: variant,
          language: status.language,
          requestId: requestIdFor(decisions),
          decisions: decisions
        }).then(function (result) {
          finish({ decided: true, status: result });
        }, function (error) {
          setBusy(false);
          message.className = prefix + 'message ' + prefix + 'error';
          message.textContent = error.status === 401 ? wording.formExpired : wording.failed;
        });
      }

      function onKey(event) {
        if (event.key === 'Escape') {
          event.preventDefault();
          if (!busy) {
            finish({ decided: false });
          }
          return;
        }
        if (event.key !== 'Tab') {
          return;
        }
        var order = focusables(dialog);
        if (order.length === 0) {
          event.preventDefault();
          return;
        }
        var first = order[0];
        var last = order[order.length - 1];
        var inside = dialog.contains(document.activeElement);
        if (event.shiftKey && (!inside || document.activeElement === first || document.activeElement === title)) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
          event.preventDefault();
          first.focus();
        }
      }

      document.addEventListener('keydown', onKey, true);
      buttons.forEach(function (button) {
        button.addEventListener('click', function () { decide(button.value); });
      });
      close.addEventListener('click', function () {
        if (!busy) {
          finish({ decided: false });
        }
      });
      form.addEventListener('submit', function (event) { event.preventDefault(); });
    });
  }

  function show(options) {
    options = options || {};
    if (!options.token) {
      return Promise.reject(new Error('Engagement360Consent.show needs the subject token from POST /api/consent-forms/tokens.'));
    }
    var base = String(options.apiBase || defaultBase).replace(/\/+$/, '');
    var query = '?token=' + encodeURIComponent(options.token) + (options.lang ? '&lang=' + encodeURIComponent(options.lang) : '');
    return fetch(base + '/consent/status' + query, { credentials: 'omit' })
      .then(answer)
      .then(function (status) { return openDialog(base, options, status); });
  }

  // The full-page consent page: send the form as JSON, then go on to the return address; the plain POST stays the fallback.
  function enhancePage(form) {
    var field = function (name) { var input = form.querySelector('input[name="' + name + '"]'); return input ? input.value : ''; };
    var message = form.querySelector('.' + prefix + 'message');
    var requestIdFor = requestIds(field('requestId'));
    var busy = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      var action = event.submitter && event.submitter.value ? event.submitter.value : 'save';
      var items = Array.prototype.map.call(form.querySelectorAll('input[name="shown"]'), function (input) {
        var parts = input.value.split('|');
        return { textId: parts[0], version: Number(parts[1]), language: parts[2], sha256: parts[3], reference: input.value };
      });
      var decisions = decisionsFor(items, action, function (item) {
        var box = form.querySelector('input[name="granted"][value="' + item.reference + '"]');
        return !!(box && box.checked);
      });
      var requestId = requestIdFor(decisions);
      busy = true;
      postDecisions(defaultBase, {
        token: field('token'),
        variant: 'page',
        language: field('lang'),
        requestId: requestId,
        decisions: decisions
      }).then(function () {
        var destination = field('return');
        if (destination) {
          window.location.assign(destination);
          return;
        }
        busy = false;
        items.forEach(function (item, index) {
          var box = form.querySelector('input[name="granted"][value="' + item.reference + '"]');
          if (box) {
            box.checked = decisions[index].granted;
          }
        });
        message.className = prefix + 'message';
        message.textContent = form.getAttribute('data-saved');
      }, function (error) {
        busy = false;
        if (!error.status) {
          // No answer at all: let the browser post the form itself (the same request id records nothing twice).
          form.querySelector('input[name="requestId"]').value = requestId;
          var chosen = element('input', { type: 'hidden', name: 'action', value: action });
          form.appendChild(chosen);
          HTMLFormElement.prototype.submit.call(form);
          return;
        }
        message.className = prefix + 'message ' + prefix + 'error';
        message.textContent = error.status === 401 ? form.getAttribute('data-expired') : form.getAttribute('data-failed');
      });
    });
  }

  // A running consent drive decides whether this subject is shown a form now, which variant, and where: the pop-up
  // here, or the full-page consent page (the browser goes there and comes back). Resolves { shown: false } when none is due.
  function prompt(options) {
    options = options || {};
    if (!options.token) {
      return Promise.reject(new Error('Engagement360Consent.prompt needs the subject token from POST /api/consent-forms/tokens.'));
    }
    var base = String(options.apiBase || defaultBase).replace(/\/+$/, '');
    var query = '?token=' + encodeURIComponent(options.token) + (options.lang ? '&lang=' + encodeURIComponent(options.lang) : '');
    return fetch(base + '/consent/prompt' + query, { credentials: 'omit' })
      .then(answer)
      .then(function (offer) {
        if (!offer.show) {
          return { shown: false };
        }
        if (offer.placement === 'injectionPage') {
          window.location.assign(base + '/consent/page' + query + '&return=' + encodeURIComponent(options.returnTo || window.location.href));
          return { shown: true, drive: offer.drive, variant: offer.variant, placement: offer.placement };
        }
        return openDialog(base, { token: options.token, lang: options.lang, variant: 'popup' }, offer.form).then(function (result) {
          result.shown = true;
          result.drive = offer.drive;
          result.variant = offer.variant;
          return result;
        });
      });
  }

  window.Engagement360Consent = { show: show, prompt: prompt, version: 2 };
  Array.prototype.forEach.call(document.querySelectorAll('form[data-e360-consent="page"]'), enhancePage);
})();
