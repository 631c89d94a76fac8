"""A real OpenAI-compatible server on 127.0.0.1: `transformers serve` pinned to one local model.

Tests of the HTTP path and the benchmarks talk to this server, never to a mocked client. It runs
offline: the hub cache points at an empty folder and HF_HUB_OFFLINE is set.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def transformers_cli() -> str:
    beside_python = Path(sys.executable).parent / "transformers"
    found = str(beside_python) if beside_python.exists() else shutil.which("transformers")
    if not found:
        raise RuntimeError("the `transformers` command is missing; install transformers[serving]")
    return found


class ServerProcess:
    """A server in a child process on a free port of 127.0.0.1: started, awaited until its ready URL
    answers 200, and stopped (terminate, then kill) with the context. Subclasses say how to launch it."""

    name = "server"

    def __init__(self, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ready_url(self) -> str:
        return f"{self.base_url}/models"

    def _open_scratch(self, prefix: str) -> str:
        self._scratch = tempfile.TemporaryDirectory(prefix=prefix)
        self.port = free_port()
        return self._scratch.name

    def _launch(self, command: list[str], env: dict[str, str] | None = None) -> None:
        assert self._scratch is not None, "open the scratch folder (and take a port) first"
        log = Path(self._scratch.name) / "server.log"
        self._process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_ready(log)

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + self.startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.ready_url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready in {self.startup_timeout:.0f}s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> ServerProcess:
        raise NotImplementedError


class LocalServer(ServerProcess):
    name = "transformers serve"

    def __init__(
        self, model_dir: Path | str, *, continuous_batching: bool = False, startup_timeout: float = 180
    ) -> None:
        super().__init__(startup_timeout)
        self.model_dir = Path(model_dir).resolve()
        self.continuous_batching = continuous_batching

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    @property
    def model_name(self) -> str:
        return str(self.model_dir)

    @property
    def spec(self) -> str:
        return f"{self.base_url}#{self.model_name}"

    def __enter__(self) -> LocalServer:
        return self.start()

    def start(self) -> LocalServer:
        scratch = self._open_scratch("distillscope-serve-")
        env = {
            **os.environ,
            "HF_HUB_CACHE": scratch,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_VERBOSITY": "error",
        }
        cmd = [transformers_cli(), "serve", self.model_name, "--port", str(self.port), "--device", "cpu"]
        if self.continuous_batching:
            cmd.append("--continuous-batching")
        self._launch(cmd, env)
        return self
