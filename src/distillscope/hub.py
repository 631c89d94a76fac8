"""Reaching the Hugging Face hub: once, quickly, or not at all.

Without a network, transformers and datasets retry every file of a repo with backoff and log each
attempt (about 30 lines over half a minute) before saying what is wrong. So before a hub id is
loaded, the hub's host is probed once per process with a short timeout; when it cannot be reached,
the hub libraries are switched to offline mode, which answers from the local cache at once or fails
at once with one error. `HF_HUB_OFFLINE=1` skips the probe.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import sys
from urllib.parse import urlparse

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 3.0


def offline_requested() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


@functools.cache
def hub_reachable() -> bool:
    """Whether a TCP connection to the hub's host opens within a few seconds (checked once)."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "huggingface.co", port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def prefer_cache_when_offline() -> bool:
    """Switch the hub libraries to offline mode when the hub cannot be reached; True when offline."""
    if offline_requested():
        return True
    if hub_reachable():
        return False
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = True
    os.environ["HF_HUB_OFFLINE"] = "1"  # read by datasets when it is imported later
    if "datasets" in sys.modules:  # read by datasets when it was imported
        sys.modules["datasets"].config.HF_HUB_OFFLINE = True
    log.info("the Hugging Face hub cannot be reached: using the local cache only")
    return True
