"""Reading a file that the user or the scanned repository names: only a regular file, only
up to a size limit, and for the repository's own files, never through a link that leads
out of it. A named pipe, a device (``/dev/zero``) or a link to ``/etc`` is refused with a
reason instead of hanging the run, filling memory or reading outside the repository.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CONFIG_BYTES = 8 * 1024 * 1024  # readiness.yaml, a policy, a YAML-check file
MAX_SCORECARD_BYTES = 256 * 1024 * 1024  # a saved JSON scorecard


def is_within(path: str | Path, root: str | Path) -> bool:
    """Is ``path``, links resolved, ``root`` or inside it (``root``'s links resolved too)?"""
    try:
        real, top = os.path.realpath(path), os.path.realpath(root)
    except (OSError, ValueError):
        return False
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


class Refused(Exception):
    """Why a file cannot be read, in a few words (``str(exc)``)."""


def read_bytes(path: Path, limit: int, *, within: Path | None = None) -> bytes:
    """The bytes of ``path``; Refused if it is not a regular file, is larger than ``limit``
    or (with ``within``) resolves outside that folder."""
    if within is not None and not is_within(path, within):
        raise Refused("it is a link that leads out of the repository; not read")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused("not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"larger than {limit // (1024 * 1024)} MB")
    return data


def check_regular(path: Path) -> str | None:
    """None if ``path`` is a regular file (links followed), else why not."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return None if stat.S_ISREG(info.st_mode) else "not a regular file"
