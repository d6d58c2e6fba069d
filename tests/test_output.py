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
