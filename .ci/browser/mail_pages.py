"""The hosted mail-link pages in a real browser (headless Chromium from Debian's packages,
driven by Playwright): the verification and reset links taken out of the app's mail log
complete their flows, a weak password and a used or incomplete link show their errors, the
token leaves the address bar, and the pages break none of their Content-Security-Policy.

Usage: python mail_pages.py APP_BINARY SCREENSHOT_DIR
"""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

PASSWORD = "tulips in the dishwasher at noon"
NEW_PASSWORD = "a brand new passphrase for the reset"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as answer:
            text = answer.read().decode()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, json.loads(text) if text else None


def wait_for_link(log_path, kind, seen):
    """The newest `/{kind}#token=…` link in the app's log that is not in `seen`."""
    deadline = time.time() + 15
    pattern = re.compile(r"(http://\S+/" + kind + r"#token=[A-Za-z0-9_\-]+)")
    while time.time() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            links = [m for m in pattern.findall(re.sub(r"\x1b\[[0-9;]*m", "", log.read()))
                     if m not in seen]
        if links:
            seen.add(links[-1])
            return links[-1]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} link in the mail log")


@contextlib.contextmanager
def start_app(binary, extra_env=None):
    """Runs `binary` on a free port with a fresh SQLite file and its mail in its log; yields
    (base URL, log path) once it answers, and stops it afterwards."""
    work = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(work, "app.log")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite://{work}/pages.db?mode=rwc",
        "AUTHKIT_BIND": f"127.0.0.1:{port}",
        "AUTHKIT_PUBLIC_URL": base,
        "AUTHKIT_JWT_SECRET": "browser-test-secret-of-at-least-32-bytes",
        "AUTHKIT_IP_RATE_LIMIT": "0",
        "RUST_LOG": "info",
        **(extra_env or {}),
    }
    with open(log_path, "w") as log:
        app = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if call(base, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("the app did not start")
        yield base, log_path
    finally:
        app.kill()
        app.wait()


def main():
    binary, shots = sys.argv[1], sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    with start_app(binary) as (base, log_path):
        run(base, log_path, shots)
    print("mail pages in Chromium: 6 checks passed")


def run(base, log_path, shots):
    seen = set()
    status, registered = call(base, "POST", "/auth/register",
                              {"email": "page@example.com", "password": PASSWORD})
    assert status == 201, (status, registered)
    access = registered["tokens"]["access_token"]
    assert call(base, "GET", "/auth/me", token=access)[1]["email_verified"] is False
    verify_link = wait_for_link(log_path, "verify-email", seen)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        violations = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)

        def open_page(url):
            # From a blank page, so that a link differing only in its fragment loads anew.
            page.goto("about:blank")
            page.goto(url)

        # 1. The verification link confirms the address.
        open_page(verify_link)
        page.wait_for_selector("#status.ok")
        assert "confirmed" in page.inner_text("#status")
        assert "#token" not in page.url, page.url
        page.screenshot(path=os.path.join(shots, "verify-email.png"))
        assert call(base, "GET", "/auth/me", token=access)[1]["email_verified"] is True

        # 2. The same link again: used.
        open_page(verify_link)
        page.wait_for_selector("#status.error")
        assert "already used" in page.inner_text("#status")

        # 3. A link without its token.
        open_page(base + "/reset-password")
        page.wait_for_selector("#status.error")
        assert "incomplete" in page.inner_text("#status")
        assert page.is_hidden("#reset")

        # 4. The reset link: a weak password is refused with the reason, a good one is set.
        assert call(base, "POST", "/auth/password-reset/request",
                    {"email": "page@example.com"})[0] == 202
        reset_link = wait_for_link(log_path, "reset-password", seen)
        open_page(reset_link)
        assert "#token" not in page.url, page.url
        page.fill("#password", "too short")
        page.click("button[type=submit]")
        page.wait_for_selector("#status.error")
        assert "15" in page.inner_text("#status"), page.inner_text("#status")
        page.screenshot(path=os.path.join(shots, "reset-password-weak.png"))
        page.fill("#password", NEW_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#status.ok")
        assert page.is_hidden("#reset")
        page.screenshot(path=os.path.join(shots, "reset-password-done.png"))
        assert call(base, "POST", "/auth/login",
                    {"email": "page@example.com", "password": NEW_PASSWORD})[0] == 200
        assert call(base, "POST", "/auth/login",
                    {"email": "page@example.com", "password": PASSWORD})[0] == 401

        # 5. The used reset link is refused.
        open_page(reset_link)
        page.fill("#password", "yet another passphrase that is long")
        page.click("button[type=submit]")
        page.wait_for_selector("#status.error")
        assert "already used" in page.inner_text("#status")

        # 6. Nothing on the pages broke their policy.
        assert not violations, violations
        browser.close()


if __name__ == "__main__":
    main()
