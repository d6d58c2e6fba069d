"""Render a fixture scorecard to HTML and screenshot it with headless Chromium.

Usage: python scripts/screenshot_html.py [no_go|go|conditional|hostile] [OUT.png]

For eyeballing the HTML report (layout, contrast, overflow of long paths) after a change.
Needs Debian's ``chromium`` (``apt-get install -y chromium``); the page is loaded from a
file with networking disabled, as the report must never need the network anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fixtures live with the tests

from readiness.report import html  # noqa: E402
from tests.report_fixtures import SCORECARDS  # noqa: E402

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(page: Path, out: Path, size: str = "1280,1600") -> None:
    """Screenshot ``page`` into ``out`` with a throwaway browser profile."""
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("chromium not found: apt-get update && apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--screenshot={out}", f"--window-size={size}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "no_go"
    out = Path(argv[1] if len(argv) > 1 else f"{name}.png").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / f"{name}.html"
        page.write_text(html.render(SCORECARDS[name]()), encoding="utf-8")
        screenshot(page, out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
