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
    """Render with the module of ``fmt``, imported only when asked for; nothing in the
    result reads as a CI workflow command (see ``escape.ci_safe``)."""
    from readiness.report.escape import for_output

    module = importlib.import_module(f"readiness.report.{fmt}")
    text: str = module.render(sc, **options)
    return for_output(text, fmt)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so that an interruption
    or a full disk never leaves a half-written report in place of the old one.

    A path that exists and is not a regular file (``/dev/null``, a named pipe), or is a
    symbolic link (``/dev/stdout``), is written straight to: renaming over it would replace
    the device or the link itself. A new file gets the mode the umask gives (as ``>``
    would); a replaced file keeps its mode."""
    mode = None
    with contextlib.suppress(OSError):
        if os.path.islink(path) or not stat.S_ISREG(os.stat(path).st_mode):
            _write_through(path, text)
            return
        mode = stat.S_IMODE(os.stat(path).st_mode)
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
            os.chmod(out.fileno(), _new_file_mode() if mode is None else mode)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ReadinessError(f"cannot write: {exc.strerror}", path=str(path)) from None
        raise


def _new_file_mode() -> int:
    """0o666 less the umask (read without changing it where /proc tells)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(umask)
    return 0o666 & ~umask


def _write_through(path: Path, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except OSError as exc:
        raise ReadinessError(f"cannot write: {exc.strerror}", path=str(path)) from None
