"""Browser fixtures: a real server process and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = os.environ.get("TAXMAP_SCREENSHOTS_DIR")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("browser tests need Debian's chromium (`make test` installs it as root with apt); not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (`make test` installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def serve(warehouse_dir: Path, port: int | None = None):
    """Start `taxmap serve` on ``port`` (default: a free one); returns the process and the base URL."""
    port = port or _free_port()
    env = {**os.environ, "TAXMAP_WAREHOUSE_DIR": str(warehouse_dir), "TAXMAP_PORT": str(port)}
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"taxmap-serve-{port}.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "taxmap.cli", "serve"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read()[-2000:]}") from None
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start within 60 s") from None
            time.sleep(0.2)
    return proc, url


def stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=10)
    proc.log.close()


@pytest.fixture(scope="session")
def tiny_server(tiny_warehouse):
    proc, url = serve(tiny_warehouse.parent)
    yield url
    stop(proc)


@pytest.fixture
def screenshot():
    """Save a page's screenshot under TAXMAP_SCREENSHOTS_DIR when it is set (docs/screenshots/ for the README)."""

    def take(page, name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))

    return take


@pytest.fixture(scope="session")
def small_server(small_region):
    """The app on the generated `small` region (seed 7): realistic density, risk and discrepancies."""
    proc, url = serve(small_region[1].parent)
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def two_run_server(small_second_run):
    """The app on the small region after a second ETL run (tests/conftest.py small_second_run)."""
    proc, url = serve(small_second_run["warehouse"].parent)
    yield url
    stop(proc)
