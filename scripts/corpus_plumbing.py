"""Per corpus app: the status and first evidence of each plumbing check (issue 20), one line
per app and check, for comparing two versions with ``diff``.

Usage::

    python scripts/corpus_plumbing.py [--skip-largest] > statuses.txt
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHECKS = ("request-logging,cost-tracking,graceful-degradation,rate-limiting,budget-limits,"
          "soft-launch-rollout,feedback-loop")


def main() -> None:
    corpus = Path.home() / ".cache" / "readiness" / "corpus"
    for app in sorted(p.name for p in corpus.iterdir() if p.is_dir()):
        if app == "homeassistant" and "--skip-largest" in sys.argv:
            continue
        run = subprocess.run([sys.executable, "-m", "readiness", "check", str(corpus / app),
                              "-f", "json", "--no-cache", "--date", "2026-11-24",
                              "--fail-on", "never", "--only", CHECKS],
                             capture_output=True, text=True, check=False)
        for result in json.loads(run.stdout)["results"]:
            where = [f"{e.get('path')}:{e.get('line')}" for e in result.get("evidence") or []]
            print(app, result["name"], result["status"], where[:4])


if __name__ == "__main__":
    main()
