"""Headless Chromium for the dashboard checks: page text and screenshots of the Prefect UI.

``page_text`` and ``screenshot`` run Chromium's own command line (``--dump-dom``,
``--screenshot``) with a virtual time budget for the single-page app to render.
``click_and_read`` drives one page over the DevTools protocol (a tab of the flow-run
page is only reachable by a click) and waits, with a deadline, for text to appear.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    # without it --dump-dom can read the DOM before the app's lists are drawn
    "--run-all-compositor-stages-before-draw",
]


def chromium() -> str | None:
    """The Chromium binary on PATH (Debian's ``chromium`` package), if any."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def _run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess:
    binary = chromium()
    assert binary, "no chromium on PATH"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )


def dom_text(dom: str) -> str:
    """The visible-ish text of a dumped DOM: tags dropped, whitespace squeezed."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom))).strip()


def page_text(url: str, budget_ms: int = 30000, timeout_s: float = 180) -> str:
    """The text of ``url`` once the app has had ``budget_ms`` of virtual time to render."""
    done = _run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url], timeout_s)
    return dom_text(done.stdout)


def screenshot(url: str, out: Path, budget_ms: int = 30000, timeout_s: float = 180) -> Path:
    _run([f"--virtual-time-budget={budget_ms}", f"--screenshot={out}", url], timeout_s)
    assert out.exists(), f"chromium wrote no screenshot of {url}"
    return out


class _DevTools:
    """One page of a Chromium started with ``--remote-debugging-port``."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=30)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg["error"]
                return msg["result"]

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body.innerText")
        return result["result"].get("value") or ""


def click_and_read(
    url: str, click_text: str, wait_for: list[str], out: Path | None = None, deadline_s=120
) -> str:
    """Open ``url``, click the tab/button labelled ``click_text``, and return the page text
    once every string of ``wait_for`` is on it (or the deadline passes); screenshot to ``out``.
    """
    binary = chromium()
    assert binary, "no chromium on PATH"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            return _drive(profile, click_text, wait_for, out, time.monotonic() + deadline_s)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


CLICK = """(() => {
  const want = %s;
  const el = [...document.querySelectorAll('.p-tab, [role=tab], button, a')]
    .find(e => e.innerText && e.innerText.trim() === want);
  if (el) { el.click(); return true; }
  return false;
})()"""


def _drive(profile: str, click_text: str, wait_for: list[str], out, deadline: float) -> str:
    port_file = Path(profile, "DevToolsActivePort")
    while not port_file.exists():
        assert time.monotonic() < deadline, "chromium did not open its DevTools port"
        time.sleep(0.2)
    port = port_file.read_text().split()[0]
    pages = []
    while not pages:
        assert time.monotonic() < deadline, "chromium opened no page"
        with contextlib.suppress(httpx.HTTPError):
            found = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            pages = [p for p in found if p.get("type") == "page"]
        time.sleep(0.2)
    tools = _DevTools(pages[0]["webSocketDebuggerUrl"])
    clicked = False
    text = ""
    while time.monotonic() < deadline:
        if not clicked:
            expression = CLICK % json.dumps(click_text)
            clicked = bool(tools.call("Runtime.evaluate", expression=expression)["result"]["value"])
        text = tools.text()
        if clicked and all(s in text for s in wait_for):
            break
        time.sleep(0.5)
    if out is not None:  # tall enough for the task graph and a row of artifacts below it
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=1120,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(1.5)  # let the page lay out again and paint
        shot = tools.call("Page.captureScreenshot", format="png")
        out.write_bytes(base64.b64decode(shot["data"]))
    tools.ws.close()
    return text
