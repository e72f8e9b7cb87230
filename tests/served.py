"""What a served instance shows while its reloads meet faults: its /healthz, and a wait until
it shows what a test expects."""

import json
import time
from typing import Any

from servers import fetch


def health(base: str) -> tuple[int, dict[str, Any]]:
    """A served instance's /healthz: its status and its body, read."""
    status, _, body = fetch(f"{base}/healthz")
    return status, json.loads(body)


def wait_for(condition, seconds: float = 10) -> None:
    """Wait until condition() holds, or fail after seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server never showed it"
        time.sleep(0.1)
