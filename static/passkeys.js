// Passkeys in the console: a form marked data-passkey="create" (add one) or "get" (sign in with
// one) asks the server for the ceremony's options, lets the browser talk to the authenticator,
// puts the answer in the form's "credential" field and sends the form as usual.
(function () {
  'use strict';
  var supported = !!(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON &&
    PublicKeyCredential.parseRequestOptionsFromJSON);

  function say(form, message) {
    var status = form.querySelector('[data-passkey-status]');
    if (status) {
      status.textContent = message;
      status.hidden = false;
    }
  }

  function options(form) {
    var body = new URLSearchParams();
    body.set('_csrf', form.querySelector('input[name=_csrf]').value);
    return fetch(form.getAttribute('data-options'), {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw new Error(json.error || 'The passkey request was refused.'); }
        return json;
      });
    });
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var button = form.querySelector('button[type=submit]');
    if (!supported) {
      say(form, 'This browser cannot use passkeys.');
      if (button) { button.disabled = true; }
      return;
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button) { button.disabled = true; }
      var create = form.getAttribute('data-passkey') === 'create';
      options(form).then(function (json) {
        return create
          ? navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json.publicKey) })
          : navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json.publicKey) });
      }).then(function (credential) {
        form.querySelector('input[name=credential]').value = JSON.stringify(credential.toJSON());
        form.submit();
      }).catch(function (error) {
        say(form, error && error.name === 'NotAllowedError'
          ? 'The passkey was not used (cancelled or timed out). Try again.'
          : (error && error.message) || 'The passkey could not be used.');
        if (button) { button.disabled = false; }
      });
    });
  });
})();
