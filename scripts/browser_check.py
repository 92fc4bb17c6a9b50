#!/usr/bin/env python3
"""Signs in to a running gateway with headless Chromium and checks what a person would see.

Drives Chromium over the DevTools protocol: opens /login, fills in the form and submits it like a
person, saves a screenshot and the DOM, and fails unless the page shows chart panels and an alert
that needs attention; then adds an alert rule on /settings through its form, and fails unless the
page says it was added and lists it (screenshot settings.png).
Usage: browser_check.py URL USER PASSWORD OUTPUT_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # PyPI: websocket-client

url, user, password, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
port = 9222 + os.getpid() % 1000
profile = tempfile.mkdtemp(prefix="plantbuddy-chromium-")
browser = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={port}",
     f"--user-data-dir={profile}", "--window-size=1100,1000", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fail(message):
    print(f"browser check FAILED: {message}", file=sys.stderr)
    browser.terminate()
    sys.exit(1)


try:
    page = None
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2))
            page = next(t for t in targets if t.get("type") == "page")
            break
        except Exception:
            time.sleep(0.1)
    if page is None:
        fail("Chromium did not start")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    next_id = 0

    def call(method, **params):
        global next_id
        next_id += 1
        ws.send(json.dumps({"id": next_id, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for_load():
        deadline = time.time() + 30
        while time.time() < deadline:
            message = json.loads(ws.recv())
            if message.get("method") == "Page.loadEventFired":
                return
        fail("page did not load")

    def evaluate(expression):
        return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    call("Page.enable")
    call("Page.navigate", url=url + "/login")
    wait_for_load()
    evaluate(f"""
        document.querySelector('input[name=username]').value = {json.dumps(user)};
        document.querySelector('input[name=password]').value = {json.dumps(password)};
        document.querySelector('form.login button[type=submit]').click();
    """)
    wait_for_load()
    time.sleep(0.3)
    location = evaluate("location.pathname")
    panels = evaluate("document.querySelectorAll('figure.chart svg g.panel').length")
    lines = evaluate("document.querySelectorAll('figure.chart svg path.series').length")
    shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    with open(os.path.join(out, "page.png"), "wb") as file:
        import base64
        file.write(base64.b64decode(shot["data"]))
    with open(os.path.join(out, "page.html"), "w") as file:
        file.write(evaluate("document.documentElement.outerHTML"))
    print(f"browser check: at {location}, {panels} chart panels, {lines} lines; "
          f"screenshots and DOM in {out}")
    if location != "/":
        fail(f"sign-in did not reach the home page (at {location})")
    if not panels or not lines:
        fail("the page shows no charts")
    attention = evaluate("document.querySelector('section.attention')?.innerText || ''")
    if "soil moisture" not in attention:
        fail(f"the page shows nothing that needs attention: {attention!r}")

    call("Page.navigate", url=url + "/settings")
    wait_for_load()
    evaluate("""
        document.querySelector('select[name=sensor]').value = 'light';
        document.querySelector('select[name=condition]').value = 'above';
        document.querySelector('input[name=value]').value = '900';
        document.querySelector('input[name=value]').form.querySelector('button[type=submit]').click();
    """)
    wait_for_load()
    time.sleep(0.3)
    status = evaluate("document.querySelector('p.notice')?.innerText || ''")
    rules = evaluate("document.querySelector('table.rules')?.innerText || ''")
    shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    with open(os.path.join(out, "settings.png"), "wb") as file:
        import base64
        file.write(base64.b64decode(shot["data"]))
    print(f"browser check: /settings says {status!r}")
    if "Alert added: light at or above 900 on any device." not in status or "light at or above 900" not in rules:
        fail(f"adding an alert on /settings did not work: {status!r}, rules {rules!r}")
finally:
    browser.terminate()
