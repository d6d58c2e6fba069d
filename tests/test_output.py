"""--output never leaves a half-written report in place of the old one."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from readiness.errors import ReadinessError
from readiness.report import write_atomic


def test_full_disk_keeps_the_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("os.fsync", full)
    with pytest.raises(ReadinessError, match="report.md: cannot write: No space left on device"):
        write_atomic(target, "new report " * 1000)
    assert target.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_interruption_keeps_the_old_report(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, '{"new": true}\n')
    assert target.read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ReadinessError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "report.md", "x")


def test_a_named_pipe_or_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    """`--output /dev/null` must not rename a regular file over the device (as root that
    would replace /dev/null itself); a FIFO stands in for the device here."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")),
                              daemon=True)
    reader.start()
    write_atomic(fifo, "report\n")
    reader.join(5)
    assert received == ["report\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_dev_null_stays_a_device() -> None:
    import os
    import stat

    write_atomic(Path(os.devnull), "discarded\n")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
