"""A small content-keyed cache of JSON values on disk, shared by analyses that want one.

Entries are keyed by the sha256 of what they were computed from and live under a folder
named after the analysis and its version, so a new analyser version never reads old
entries. Writes are atomic (a temporary file renamed into place), so concurrent runs and
interrupted runs never leave a half-written entry; a corrupt, unreadable or unwritable cache
is never an error, only a miss. The cache never lives inside the scanned repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any


def default_cache_dir() -> Path:
    """``$READINESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``."""
    explicit = os.environ.get("READINESS_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "readiness"
    return Path.home() / ".cache" / "readiness"


def content_key(content: str) -> str:
    """The key of a text: the sha256 of its UTF-8, hex."""
    return utf8_key(content.encode("utf-8", "surrogatepass"))


def utf8_key(data: bytes) -> str:
    """``content_key`` of the text whose UTF-8 is ``data`` (valid UTF-8: strictly decoded),
    without encoding the text again (Home Assistant's 36,000 files: the encoding took
    longer than the hash)."""
    return hashlib.sha256(data).hexdigest()


class ContentCache:
    """JSON values keyed by content hash, under ``directory/namespace-version/``."""

    def __init__(self, directory: Path, namespace: str, version: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{namespace}-{version}")
        self.root = directory / safe
        self._writable = True
        self._folders: set[Path] = set()  # made already: one mkdir per folder, not per entry

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The stored value, or None when missing, unreadable or corrupt."""
        try:
            data = json.loads(self._entry(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key or "value" not in data:
            return None
        return data["value"]

    def put(self, key: str, value: Any) -> None:
        """Store a value; give up quietly (for the rest of the run) if the disk says no."""
        if not self._writable:
            return
        payload = json.dumps({"key": key, "value": value}, separators=(",", ":"))
        folder = self._entry(key).parent
        try:
            if folder not in self._folders:
                folder.mkdir(parents=True, exist_ok=True)
                self._folders.add(folder)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(payload)
                os.replace(temporary, self._entry(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            self._writable = False
