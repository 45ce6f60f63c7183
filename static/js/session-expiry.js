/* Warn before the session ends, and keep it alive on request.
 *
 * The session ends SESSION_COOKIE_AGE seconds after the last request (the
 * server saves it on every request). A few minutes before that, a dialog
 * says so and offers to stay signed in: one small POST to the keep-alive
 * endpoint. Other tabs of the portal share the time of the last activity
 * through localStorage, and htmx requests count as activity.
 * Served as a static file: the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("session-expiry");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var lifetime = parseInt(dialog.dataset.seconds, 10) * 1000;
  var warnBefore = parseInt(dialog.dataset.warn, 10) * 1000;
  var warning = dialog.querySelector('[data-state="warning"]');
  var ended = dialog.querySelector('[data-state="ended"]');
  var countdown = dialog.querySelector("[data-countdown]");
  var stayButton = dialog.querySelector("[data-stay]");
  var storageKey = "yidi-session-last-activity";
  var lastActivity = Date.now();
  var hasEnded = false;

  function remember(time) {
    lastActivity = Math.max(lastActivity, time);
    try {
      window.localStorage.setItem(storageKey, String(lastActivity));
    } catch (error) {
      /* private mode: this tab alone */
    }
  }

  function remaining() {
    return lastActivity + lifetime - Date.now();
  }

  function describe(left) {
    var seconds = Math.max(0, Math.ceil(left / 1000));
    if (seconds >= 60) {
      return dialog.dataset.minutes.replace("%(n)s", String(Math.ceil(seconds / 60)));
    }
    return dialog.dataset.secondsLeft.replace("%(n)s", String(seconds));
  }

  function showWarning(left) {
    countdown.textContent = describe(left);
    if (!dialog.open) {
      warning.hidden = false;
      ended.hidden = true;
      dialog.showModal();
      stayButton.focus();
    }
  }

  function showEnded() {
    hasEnded = true;
    warning.hidden = true;
    ended.hidden = false;
    if (!dialog.open) {
      dialog.showModal();
    }
    var login = ended.querySelector("a");
    if (login) {
      login.focus();
    }
  }

  function stay() {
    stayButton.disabled = true;
    fetch(dialog.dataset.keepAlive, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": dialog.dataset.csrf },
    })
      .then(function (response) {
        if (response.status === 204) {
          remember(Date.now());
          dialog.close();
        } else {
          showEnded();
        }
      })
      .catch(function () {
        countdown.textContent = describe(remaining());
      })
      .finally(function () {
        stayButton.disabled = false;
      });
  }

  function tick() {
    if (hasEnded) {
      return;
    }
    var left = remaining();
    if (left <= 0) {
      showEnded();
    } else if (left <= warnBefore) {
      showWarning(left);
    } else if (dialog.open) {
      dialog.close(); /* another tab kept the session alive */
    }
  }

  stayButton.addEventListener("click", stay);
  dialog.addEventListener("cancel", function (event) {
    if (!hasEnded) {
      event.preventDefault(); /* Escape means "I am still here" */
      stay();
    }
  });
  window.addEventListener("storage", function (event) {
    if (event.key === storageKey && event.newValue) {
      remember(parseInt(event.newValue, 10) || 0);
      tick();
    }
  });
  document.addEventListener("htmx:afterRequest", function () {
    remember(Date.now());
  });
  remember(Date.now());
  window.setInterval(tick, 1000);
})();
