// The example SPA: plain JavaScript against authkit's cookie mode on another origin. The
// access token is kept in this closure only; the refresh token is an HttpOnly cookie the
// browser sends to the API's refresh path (`credentials: "include"`).
(function () {
  "use strict";
  var api = document.querySelector('meta[name="authkit-api"]').content;
  var access = null;
  var $ = function (id) { return document.getElementById(id); };

  function show(answer) { $("output").textContent = JSON.stringify(answer, null, 2); }
  function say(text, error) {
    $("status").textContent = text;
    $("status").className = error ? "error" : "";
  }

  function call(method, path, body, bearer) {
    var headers = {};
    if (body !== undefined) { headers["content-type"] = "application/json"; }
    if (bearer && access) { headers.authorization = "Bearer " + access; }
    return fetch(api + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "include"
    }).then(function (answer) {
      return answer.text().then(function (text) {
        var json = text ? JSON.parse(text) : null;
        show({ status: answer.status, body: json });
        return { status: answer.status, body: json };
      });
    });
  }

  function signedIn(pair) {
    access = pair.access_token;
    $("signed-out").hidden = true;
    $("signed-in").hidden = false;
    return call("GET", "/me", undefined, true).then(function (me) {
      $("who").textContent = me.body.email;
      say("Signed in.");
    });
  }

  function signedOut(text) {
    access = null;
    $("signed-in").hidden = true;
    $("signed-out").hidden = false;
    say(text);
  }

  // The refresh token is in the cookie: the body stays empty.
  function refresh() {
    return call("POST", "/refresh", {}).then(function (answer) {
      if (answer.status === 200) { return signedIn(answer.body); }
      signedOut("Not signed in.");
    });
  }

  // A protected call that refreshes silently once when the access token has expired.
  function withAccess(method, path) {
    return call(method, path, undefined, true).then(function (answer) {
      if (answer.status !== 401) { return answer; }
      return call("POST", "/refresh", {}).then(function (refreshed) {
        if (refreshed.status !== 200) { signedOut("The session ended."); return refreshed; }
        access = refreshed.body.access_token;
        return call(method, path, undefined, true);
      });
    });
  }

  $("credentials").addEventListener("submit", function (event) {
    event.preventDefault();
    var action = event.submitter ? event.submitter.value : "login";
    var body = { email: $("email").value, password: $("password").value };
    call("POST", action === "register" ? "/register" : "/login", body).then(function (answer) {
      if (answer.status === 200) { return signedIn(answer.body); }
      if (answer.status === 201) { return signedIn(answer.body.tokens); }
      say((answer.body && (answer.body.detail || answer.body.title)) || "Refused", true);
    });
  });
  $("me").addEventListener("click", function () {
    withAccess("GET", "/me").then(function (answer) {
      if (answer.status === 200) { say("GET /me answered for " + answer.body.email + "."); }
    });
  });
  $("refresh").addEventListener("click", function () { refresh(); });
  $("sessions").addEventListener("click", function () {
    withAccess("GET", "/sessions").then(function (answer) {
      var list = $("session-list");
      list.textContent = "";
      (answer.body || []).forEach(function (session) {
        var item = document.createElement("li");
        item.textContent = session.id + (session.current ? " (this one)" : "");
        list.appendChild(item);
      });
      say(list.children.length + " session(s).");
    });
  });
  $("logout").addEventListener("click", function () {
    call("POST", "/logout", undefined, true).then(function () { signedOut("Signed out."); });
  });

  refresh();
})();
