"""Screenshots of every page for docs/screenshots/, from a real server on a real warehouse.

    .venv/bin/python tools/screenshots.py --warehouse data/warehouse [--out docs/screenshots]

Uses Debian's Chromium through Playwright (as the browser tests do).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from conftest import serve, stop  # noqa: E402  (the browser tests' server helpers, reused)

PAGES = [("region-page", "/")]
SIZES = [(1366, 768), (1920, 1080)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    proc, url = serve(Path(args.warehouse))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for name, path in PAGES:
                for width, height in SIZES:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(url + path)
                    page.wait_for_selector(".leaflet-overlay-pane path")
                    page.wait_for_timeout(800)
                    target = out / f"{name}-{width}x{height}.png"
                    page.screenshot(path=str(target))
                    print(target)
                    page.close()
            browser.close()
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
