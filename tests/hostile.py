"""A generator of hostile repositories: what a scanner meets on code nobody vetted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import git, init_repo, write_files

INJECT_ANSI = "\x1b[31mRED\x1b[0m\x1b]8;;http://evil.example\x07link\x1b]8;;\x07"
INJECT_RICH = "[bold red]rich[/bold red][link=http://evil.example]x[/link]"
INJECT_HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
INJECT_MD = "| a | b |\n# heading\n[x](javascript:alert(3))`tick`"
INJECTIONS = (INJECT_ANSI, INJECT_RICH, INJECT_HTML, INJECT_MD)
HOSTILE_NAME = "ev\x1b[2Jil[bold]<script>x</script>|name.md"


def hostile_files() -> dict[str, str | bytes]:
    """Files whose names or contents try to break the scanner or its outputs."""
    return {
        "readiness.yaml": (
            "version: 1\n"
            f"project: {_yaml_str('proj ' + INJECT_RICH + INJECT_HTML)}\n"
            f"owner: {_yaml_str(INJECT_ANSI)}\n"
            "timeline: {pilot_start: 2026-09-01, pilot_result: docs/pilot.md}\n"
            "checks:\n  waivers:\n"
            "    - check: pilot-success-criteria\n"
            f"      reason: {_yaml_str('because ' + INJECT_MD + INJECT_HTML)}\n"
            f"      owner: {_yaml_str(INJECT_RICH)}\n"
            "      expires: 2026-09-02\n"
        ),
        "docs/pilot.md": "# Pilot\n\n## Success criteria\n" + INJECT_HTML + "\n",
        "binary.py": b"\x7fELF\x00\x01\x02" * 100,
        "latin1.py": b"# caf\xe9\nx = 'caf\xe9'\n",
        "bom.py": b"\xef\xbb\xbfimport os\r\nx = 1\r\n",
        "mixed.txt": b"ok\n" + b"\xff\xfe bad\n",
        "python2.py": "print 'hello'\nexec 'x = 1'\n",
        "syntax.py": "def broken(:\n    return\n",
        "deep.py": "x = " + "(" * 200_000 + ")" * 200_000 + "\n",
        "longline.py": "x = '" + "a" * 1_000_000 + "'\n",
        "nul.py": "x = 1\n\x00\n",
        "empty.py": "",
        HOSTILE_NAME: INJECT_ANSI + INJECT_RICH + "\n",
        "notes\nwith newline.md": "# notes\n",
        "a" * 200 + "/" + "b" * 200 + "/deep.md": "# deep\n",
    }


def _yaml_str(value: str) -> str:
    import json

    return json.dumps(value)  # JSON strings are YAML strings, escapes included


def make_hostile(root: Path, *, with_git: bool = True, big: bool = True) -> Path:
    """Build the hostile repository at ``root`` (git unless ``with_git`` is false)."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, hostile_files())
    if big:
        with open(root / "huge.log", "wb") as handle:
            handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink("/etc", root / "outside-dir")
    os.symlink("/etc/passwd", root / "outside-file.py")
    os.makedirs(root / "locked")
    (root / "locked" / "secret.py").write_text("x = 1\n")
    os.chmod(root / "locked", 0)
    if with_git:
        init_repo(root)
    return root


def unlock(root: Path) -> None:
    if (root / "locked").exists():
        os.chmod(root / "locked", 0o755)


def shallow_clone(source: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{source}", str(target)],
                   check=True, capture_output=True)
    return target


def detach(root: Path) -> None:
    git(root, "checkout", "-q", "--detach")


def add_submodule(root: Path, sub: Path) -> None:
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", f"file://{sub}",
        "vendor/sub")
    git(root, "commit", "-qm", "submodule")
