"""Start uvicorn on the app factory, refusing unsafe exposure."""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile

import uvicorn

from promptgen.errors import ServeRefused
from promptgen.settings import Settings


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(*, host: str, port: int, workers: int, insecure: bool) -> None:
    """Run the service until interrupted."""
    settings = Settings()
    if not is_loopback(host) and not settings.auth_required and not insecure:
        raise ServeRefused(
            f"refusing to serve on {host} without API keys: set PROMPTGEN_API_KEYS "
            "(or PROMPTGEN_API_KEYS_FILE), bind 127.0.0.1, or pass --insecure"
        )
    multiproc_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus_client's multiprocess mode: each worker writes its counts to files here
        # and /metrics merges them. The workers inherit this variable from us.
        multiproc_dir = tempfile.mkdtemp(prefix="promptgen-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc_dir
    try:
        uvicorn.run(
            "promptgen.server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="warning",
            proxy_headers=False,
        )
    finally:
        if multiproc_dir:
            shutil.rmtree(multiproc_dir, ignore_errors=True)
