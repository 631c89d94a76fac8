"""Headless Chromium over the DevTools protocol, through a pipe: open a report, check it, screenshot it.

Why a pipe and no driver package: started with `--remote-debugging-pipe`, Chromium reads DevTools
commands on file descriptor 3 and writes replies and events on 4 (what Playwright and Puppeteer do
under the hood), so the standard library is enough. There is no selenium/chromedriver pair to keep
in version lockstep, no browser download, no port to pick and nothing listening on the network;
only Debian's `chromium` (scripts/ensure-chromium installs it).

    check = check_page(Path("audit/report.html"))   # title, figures drawn, console errors, dialogs
    screenshot(Path("audit/report.html"), Path("report.png"))
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillscope.errors import DistillscopeError

CHROMIUM_ENV = "DISTILLSCOPE_CHROMIUM"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A closed network: no background fetches, updates, sync or QUIC; a fresh profile every time.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
# Resolves once the report's script has drawn every figure (or says why not).
_FIGURES_DRAWN = """new Promise(function (resolve) {
  var start = Date.now();
  (function poll() {
    var state = document.body && document.body.getAttribute('data-figures');
    if (state) { resolve(state); }
    else if (Date.now() - start > %d) { resolve('timeout'); }
    else { setTimeout(poll, 50); }
  })();
})"""
_PAGE_SUMMARY = """JSON.stringify({
  title: document.title,
  figures: Array.from(document.querySelectorAll('[data-figure]')).map(function (div) {
    return {
      id: div.id,
      svg: div.querySelectorAll('svg.main-svg').length,
      traces: div.querySelectorAll('.plot .trace, .plot .hm').length,
      marks: div.querySelectorAll('.plot .point, .plot .hm image, .plot .textpoint').length
    };
  }),
  text: document.body ? document.body.innerText : ''
})"""


class BrowserError(DistillscopeError):
    """Chromium is missing, would not start, or did not answer."""

    exit_code = 3


@dataclass
class FigureCheck:
    id: str
    svg: int
    traces: int
    marks: int

    @property
    def drawn(self) -> bool:
        return self.svg > 0 and self.traces > 0


@dataclass
class PageCheck:
    """What a browser saw of a page: whether its figures were drawn, and everything it complained of."""

    title: str
    state: str
    figures: list[FigureCheck]
    text: str
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def find_chromium() -> str:
    """The Chromium to drive: $DISTILLSCOPE_CHROMIUM, else Debian's, else one on the PATH."""
    wanted = os.environ.get(CHROMIUM_ENV)
    for candidate in ([wanted] if wanted else []) + list(CANDIDATES):
        found = candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    raise BrowserError(
        "Chromium not found",
        hint=f"run scripts/ensure-chromium (Debian: apt-get install chromium) or set {CHROMIUM_ENV} to a "
        "Chrome/Chromium binary",
    )


def _high_fd(fd: int) -> int:
    """The descriptor moved above 10, so mapping the child's 3 and 4 onto it can never clash."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Chromium:
    """One headless browser process and its DevTools pipe; events are kept as they arrive."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[str] = []
        self._next_id = 0
        self._buffer = b""
        self._pid: int | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="distillscope-chromium-", ignore_cleanup_errors=True)
        commands_read, commands_write = map(_high_fd, os.pipe())
        replies_read, replies_write = map(_high_fd, os.pipe())
        log = Path(self._profile.name) / "chromium.log"
        args = [self.executable, *FLAGS, f"--user-data-dir={self._profile.name}/profile", "about:blank"]
        actions = [
            (os.POSIX_SPAWN_DUP2, commands_read, 3),
            (os.POSIX_SPAWN_DUP2, replies_write, 4),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, str(log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ]
        try:
            self._pid = os.posix_spawn(self.executable, args, dict(os.environ), file_actions=actions, setsid=True)
        except OSError as exc:
            self._profile.cleanup()
            raise BrowserError(f"cannot start {self.executable}: {exc}") from None
        finally:
            os.close(commands_read)
            os.close(replies_write)
        self._write, self._read = commands_write, replies_read
        try:
            self.send("Browser.getVersion")
        except BrowserError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=5)
        for fd in (self._write, self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._reap()
        if self._profile is not None:
            self._profile.cleanup()

    def _reap(self) -> None:
        if self._pid is None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            done, _ = os.waitpid(self._pid, os.WNOHANG)
            if done:
                self._pid = None
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._pid, signal.SIGKILL)  # our own process group: the browser and its helpers
        os.waitpid(self._pid, 0)
        self._pid = None

    # ------------------------------------------------------------------------------------ protocol
    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait for its reply; events meanwhile are kept in `events`."""
        self._next_id += 1
        message_id = self._next_id
        self._post({"id": message_id, "method": method, "params": params or {}}, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message', message['error'])}")
                return message.get("result", {})

    def wait_event(self, method: str, session: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._receive(deadline, method)
            if message.get("method") == method and message.get("sessionId") == session:
                return message

    def _post(self, message: dict[str, Any], session: str | None) -> None:
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write, data) :]

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer {waiting_for} in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise BrowserError(f"Chromium closed its DevTools pipe while waiting for {waiting_for}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self._on_event(message)
        return message

    def _on_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["method"] == "Page.javascriptDialogOpening":  # an alert() would block the page: record, dismiss
            self.dialogs.append(str(event["params"].get("message", "")))
            self._next_id += 1
            self._post(
                {"id": self._next_id, "method": "Page.handleJavaScriptDialog", "params": {"accept": False}},
                event.get("sessionId"),
            )

    # ---------------------------------------------------------------------------------------- pages
    def open(self, path: Path, width: int = 1280, height: int = 900) -> str:
        """Load a file in a fresh tab; returns the tab's session once the page and its figures are done."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session)
        self.wait_event("Page.loadEventFired", session)
        return session

    def evaluate(self, session: str, expression: str, timeout: float | None = None) -> Any:
        reply = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
            timeout=timeout,
        )
        if "exceptionDetails" in reply:
            raise BrowserError(f"script failed in the page: {reply['exceptionDetails'].get('text', '')}")
        return reply.get("result", {}).get("value")

    def wait_for_figures(self, session: str, timeout_s: float = 30) -> str:
        return str(self.evaluate(session, _FIGURES_DRAWN % int(timeout_s * 1000), timeout=timeout_s + 10))

    def console_errors(self, session: str) -> list[str]:
        errors = []
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                errors.append(f"{entry.get('source', '')}: {entry.get('text', '')} {entry.get('url', '')}".strip())
        return errors


def check_page(path: Path, timeout_s: float = 60) -> PageCheck:
    """Open a report headless and report what a reader's browser would: figures drawn, errors, dialogs."""
    with Chromium(timeout=timeout_s) as browser:
        session = browser.open(path)
        state = browser.wait_for_figures(session)
        summary = json.loads(browser.evaluate(session, _PAGE_SUMMARY))
        return PageCheck(
            title=summary["title"],
            state=state,
            figures=[FigureCheck(**f) for f in summary["figures"]],
            text=summary["text"],
            console_errors=browser.console_errors(session),
            dialogs=list(browser.dialogs),
        )


def screenshot(path: Path, out: Path, width: int = 1280, height: int | None = None, timeout_s: float = 60) -> Path:
    """A PNG of the page as drawn: the whole page, or its top `height` pixels."""
    with Chromium(timeout=timeout_s) as browser:
        session = browser.open(path, width=width)
        state = browser.wait_for_figures(session)
        if state != "ready":
            raise BrowserError(f"the report's figures were not drawn ({state}): {browser.console_errors(session)}")
        if height is None:
            metrics = browser.send("Page.getLayoutMetrics", session=session)
            height = int(metrics["cssContentSize"]["height"])
        metrics_override = {"width": width, "height": min(height, 16384), "deviceScaleFactor": 1, "mobile": False}
        browser.send("Emulation.setDeviceMetricsOverride", metrics_override, session)
        browser.evaluate(session, "new Promise(function (r) { setTimeout(r, 300); })")  # let plotly re-fit
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot["data"]))
    return out
