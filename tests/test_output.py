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


# ---- terminal width and paths -----------------------------------------------------------------

LONG = ("src/vendor/providers/anthropic/clients/streaming/v2/utils.py:123",
        "src/vendor/providers/openai/clients/batch/v1/helpers/retrying.py:88")


def _with_long_paths() -> object:
    import dataclasses

    from readiness.model import Evidence, Gap, Severity, Status
    from tests.report_fixtures import no_go, result

    card = no_go()
    long = result("INF001", "llm-timeouts", Gap.INFRASTRUCTURE, Status.FAIL,
                  "2 of 2 LLM calls have no timeout", severity=Severity.BLOCKER,
                  evidence=tuple(Evidence(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1]))
                                 for p in LONG))
    others = tuple(r for r in card.results if r.code != "INF001")
    return dataclasses.replace(card, results=(long, *others))


@pytest.mark.parametrize("width", [80, 100, 160])
def test_long_paths_are_shortened_from_the_left(width: int) -> None:
    from readiness.report.terminal import render

    text = render(_with_long_paths(), width=width)  # type: ignore[arg-type]
    assert all(len(line) <= width for line in text.splitlines())
    shown = [line.strip() for line in text.splitlines() if "utils.py" in line
             or "retrying.py" in line]
    assert any(s.endswith("/utils.py:123") for s in shown), shown
    assert any(s.endswith("/retrying.py:88") for s in shown), shown
    assert not any(s.endswith("…") for s in shown)


def test_shorten_left_keeps_the_file_name_and_line() -> None:
    from readiness.report.terminal import shorten_left

    assert shorten_left(LONG[0], 200) == LONG[0]
    assert shorten_left(LONG[0], 30) == "…/streaming/v2/utils.py:123"
    assert shorten_left(LONG[0], 14) == "…/utils.py:123"
    assert shorten_left(LONG[0], 10) == "…ls.py:123"


@pytest.mark.parametrize(("columns", "width"), [("72", 72), ("", 100), ("wide", 100),
                                                ("20", 60), ("1000", 240)])
def test_columns_is_honoured_when_output_is_not_a_terminal(
        monkeypatch: pytest.MonkeyPatch, columns: str, width: int) -> None:
    from readiness.commands.check import output_width

    monkeypatch.setenv("COLUMNS", columns)
    assert output_width(False) == width


def test_check_output_follows_columns_in_ci(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    from click.testing import CliRunner

    from readiness.cli import main

    (tmp_path / "readiness.yaml").write_text("version: 1\nproject: narrow\n")
    for columns in ("70", "130"):
        monkeypatch.setenv("COLUMNS", columns)
        out = CliRunner().invoke(main, ["check", str(tmp_path), "--date", "2026-11-24"]).stdout
        assert max(len(line) for line in out.splitlines()) == int(columns)
