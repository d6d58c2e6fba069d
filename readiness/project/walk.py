"""Listing a repository's files without git: every .gitignore on the way down honoured,
links never followed, the folders nobody wants scanned left out; and the project's own
``exclude`` globs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from readiness.project.globs import glob_match

# Folders nobody wants scanned, used when there is no git to say what is ignored.
DEFAULT_PRUNE = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".nox", "site-packages"}
)


_STAR_RUNS = re.compile(r"\*+")


def walk(root: Path) -> list[str]:
    """List files without git, honouring every .gitignore on the way down."""
    import pathspec

    found: list[str] = []
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    top = os.fspath(root)
    below = top if top.endswith("/") else top + "/"
    for folder, dirs, files in os.walk(top, followlinks=False):
        # os.walk joins the names below ``top`` with "/": the relative folder is a slice
        # (Home Assistant's 3,300 folders: no Path built for each)
        rel_folder = folder[len(below):] + "/" if folder != top else ""
        if specs:
            specs = [(base, spec) for base, spec in specs if rel_folder.startswith(base)]
        ignore_file = Path(folder) / ".gitignore" if ".gitignore" in files else None
        if ignore_file is not None and ignore_file.is_file() and not ignore_file.is_symlink():
            try:
                lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
                # pathspec matches with regular expressions: a pattern with many runs of *
                # could backtrack for hours (no real .gitignore has one), so it is left out
                lines = [line for line in lines if len(_STAR_RUNS.findall(line)) <= 4]
                specs.append((rel_folder, pathspec.GitIgnoreSpec.from_lines(lines)))
            except OSError:
                pass

        def ignored(rel: str, is_dir: bool, specs: list[tuple[str, Any]] = specs) -> bool:
            for base, spec in specs:
                sub = rel[len(base) :] + ("/" if is_dir else "")
                if spec.match_file(sub):
                    return True
            return False

        if not specs:  # no .gitignore here or above: only the default folders are left out
            dirs[:] = sorted(d for d in dirs if d not in DEFAULT_PRUNE)
            found.extend(rel_folder + f for f in files)
            continue
        dirs[:] = sorted(
            d for d in dirs if d not in DEFAULT_PRUNE and not ignored(rel_folder + d, True)
        )
        found.extend(rel_folder + f for f in files if not ignored(rel_folder + f, False))
    return found


def excluded(path: str, patterns: tuple[str, ...]) -> bool:
    return any(glob_match(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)
