"""Renderers: one module per output format, each `render(scorecard) -> str`."""

from __future__ import annotations

import contextlib
import importlib
import os
import stat
import tempfile
from pathlib import Path

from readiness.errors import ReadinessError
from readiness.model import Scorecard


def render(sc: Scorecard, fmt: str, **options: object) -> str:
    """Render with the module of ``fmt``, imported only when asked for."""
    module = importlib.import_module(f"readiness.report.{fmt}")
    text: str = module.render(sc, **options)
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so that an interruption
    or a full disk never leaves a half-written report in place of the old one.

    A path that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a named
    pipe) is written straight to: renaming over it would replace the device itself."""
    with contextlib.suppress(OSError):
        if not stat.S_ISREG(os.stat(path).st_mode):
            _write_through(path, text)
            return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReadinessError(f"cannot write: {exc.strerror}", path=str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ReadinessError(f"cannot write: {exc.strerror}", path=str(path)) from None
        raise


def _write_through(path: Path, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except OSError as exc:
        raise ReadinessError(f"cannot write: {exc.strerror}", path=str(path)) from None
