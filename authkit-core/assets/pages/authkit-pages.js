// authkit's hosted pages for the links in its mails: the token travels in the URL fragment
// (never sent to a server), is read here and posted to the API. No inline script: the pages'
// Content-Security-Policy allows only this file.
(function () {
  "use strict";
  var main = document.querySelector("main[data-page]");
  var status = document.getElementById("status");
  var api = main.getAttribute("data-api");
  var token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  // Keep the token out of the address bar and the history once read.
  if (window.location.hash) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "";
    status.focus();
  }

  function problemText(answer, problem) {
    if (problem && problem.code === "invalid_token") {
      return "This link has expired or was already used. Ask for a new one.";
    }
    if (problem && problem.detail) {
      return (problem.title ? problem.title + ": " : "") + problem.detail;
    }
    if (problem && problem.title) {
      return problem.title;
    }
    return "Something went wrong (" + answer.status + "). Please try again later.";
  }

  function post(path, body) {
    return fetch(api + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (answer) {
      if (answer.ok) {
        return { ok: true };
      }
      return answer.json().then(
        function (problem) { return { ok: false, text: problemText(answer, problem) }; },
        function () { return { ok: false, text: problemText(answer, null) }; }
      );
    }, function () {
      return { ok: false, text: "The server cannot be reached. Please try again later." };
    });
  }

  var form = document.getElementById("reset");
  if (!token) {
    if (form) { form.hidden = true; }
    say("This link is incomplete: open the link from the mail again.", "error");
    return;
  }

  if (main.getAttribute("data-page") === "verify-email") {
    post("email/verify", { token: token }).then(function (result) {
      if (result.ok) {
        say("Your e-mail address is confirmed. You can close this page.", "ok");
      } else {
        say(result.text, "error");
      }
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      post("password-reset/confirm", { token: token, new_password: form.password.value })
        .then(function (result) {
          button.disabled = false;
          if (result.ok) {
            form.hidden = true;
            say("Your password is changed. You can now sign in with it.", "ok");
          } else {
            say(result.text, "error");
          }
        });
    });
  }
})();
