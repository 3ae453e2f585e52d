"""The example SPA in a real browser (headless Chromium from Debian's packages, driven by
Playwright), on its own origin against the API in cookie mode: register, a protected call,
a silent refresh after a reload, the sessions list and logout all work; the refresh cookie is
HttpOnly (not in `document.cookie`); forgeries from a third origin (a form post, a bodiless
cross-site fetch, which is 403) are refused and rotate nothing.

Usage: python spa.py AXUM_APP_BINARY SCREENSHOT_DIR
"""

import functools
import http.server
import os
import sys
import tempfile
import threading

from playwright.sync_api import expect, sync_playwright

from mail_pages import CHROMIUM_ARGS, free_port, start_app

PASSWORD = "tulips in the dishwasher at noon"
EMAIL = "spa@example.com"


def refresh_cookie(context):
    found = [c for c in context.cookies() if c["name"].endswith("authkit_refresh")]
    return found[0] if found else None


def forge_server(api, directory):
    """A third origin with two forgeries against the API's refresh route: a page that posts a
    form as soon as it loads, and one whose script sends a bodiless cross-site `fetch` (a
    "simple" request, which carries the cookie without a preflight)."""
    port = free_port()
    with open(os.path.join(directory, "form.html"), "w") as page:
        page.write(f"""<!doctype html><html lang="en"><body onload="document.forms[0].submit()">
<form method="POST" action="{api}/auth/refresh" enctype="text/plain">
<input name="x" value="y"></form>
</body></html>""")
    with open(os.path.join(directory, "fetch.html"), "w") as page:
        page.write(f"""<!doctype html><html lang="en"><body><script>
fetch("{api}/auth/refresh", {{ method: "POST", credentials: "include", mode: "no-cors" }});
</script></body></html>""")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def main():
    binary, shots = sys.argv[1], sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    spa_port = free_port()
    spa = f"http://127.0.0.1:{spa_port}"
    with start_app(binary, {
        "AUTHKIT_COOKIE_MODE": "refresh",
        "AUTHKIT_CORS_ORIGINS": spa,
        "AUTHKIT_SPA_BIND": f"127.0.0.1:{spa_port}",
    }) as (api, _log):
        forge, forge_url = forge_server(api, tempfile.mkdtemp())
        try:
            run(api, spa, forge_url, shots)
        finally:
            forge.shutdown()
    print("example SPA in Chromium: 7 checks passed")


def run(api, spa, forge_url, shots):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        status = lambda: page.inner_text("#status")

        # 1. No session yet: the silent refresh at load finds none.
        page.goto(spa)
        expect(page.locator("#status")).to_have_text("Not signed in.")

        # 2. Register: signed in, the refresh token in an HttpOnly cookie only.
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("#register")
        expect(page.locator("#status")).to_have_text("Signed in.")
        assert page.inner_text("#who") == EMAIL
        cookie = refresh_cookie(context)
        assert cookie and cookie["httpOnly"] and cookie["path"] == "/auth", cookie
        assert "authkit_refresh" not in page.evaluate("document.cookie")
        page.screenshot(path=os.path.join(shots, "spa-signed-in.png"))

        # 3. A protected call with the in-memory access token.
        page.click("#me")
        expect(page.locator("#status")).to_contain_text("GET /me")
        assert EMAIL in status()

        # 4. A reload forgets the access token: the silent refresh by cookie signs in again
        # and rotates the cookie.
        before = cookie["value"]
        page.reload()
        expect(page.locator("#status")).to_have_text("Signed in.")
        after = refresh_cookie(context)["value"]
        assert after != before

        # 5. The sessions list: one session, this one.
        page.click("#sessions")
        expect(page.locator("#status")).to_have_text("1 session(s).")
        assert "(this one)" in page.inner_text("#session-list")
        page.screenshot(path=os.path.join(shots, "spa-sessions.png"))

        # 6. Forgeries from a third origin carry the cookie but are refused and rotate
        # nothing: a form post (never JSON: 415 before anything else) and a bodiless fetch
        # (403 csrf_origin_refused).
        forged = context.new_page()
        with forged.expect_response(lambda r: r.url.endswith("/auth/refresh")) as answer:
            forged.goto(forge_url + "/form.html")
        assert answer.value.status in (403, 415), answer.value.status
        forged.screenshot(path=os.path.join(shots, "spa-forged-form.png"))
        with forged.expect_response(lambda r: r.url.endswith("/auth/refresh")) as answer:
            forged.goto(forge_url + "/fetch.html")
        assert answer.value.status == 403, answer.value.status
        # (The body of a no-cors answer is not kept; the conformance suite checks its code.)
        forged.close()
        assert refresh_cookie(context)["value"] == after

        # 7. Logout clears the cookie; a reload finds no session.
        page.click("#logout")
        expect(page.locator("#status")).to_have_text("Signed out.")
        assert refresh_cookie(context) is None
        page.reload()
        expect(page.locator("#status")).to_have_text("Not signed in.")
        browser.close()


if __name__ == "__main__":
    main()
