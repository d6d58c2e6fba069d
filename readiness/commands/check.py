"""`readiness check`: scan, score, render, and exit with a code CI can use."""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from readiness.errors import ReadinessError
from readiness.model import Check, Scorecard, Verdict
from readiness.process import prepare_for_scan


def run(*, path: Path | None, config_path: Path | None, policy_path: Path | None,
        day: datetime.date | None, overrides: dict[str, Any], gate: str | None, fmt: str,
        output: Path | None, only: tuple[str, ...], skip: tuple[str, ...], fail_on: str,
        baseline: Path | None, compact: bool, no_waivers: bool, allow_local: bool,
        no_cache: bool, jobs: int | None) -> int:
    """Run one scan and return the exit code that agrees with the printed verdict."""
    from readiness.config import discover_root
    from readiness.project.cache import default_cache_dir
    from readiness.report.json import load
    from readiness.scan import ScanOptions, scan

    root, found = discover_root(path, config_path)
    saved = None
    if baseline is not None:
        try:
            saved = load(baseline.read_text(encoding="utf-8"), str(baseline))
        except (OSError, UnicodeDecodeError) as exc:
            raise ReadinessError(f"cannot read baseline: {exc}", path=str(baseline)) from None

    options = ScanOptions(
        root=root, config_path=config_path, policy_path=policy_path, date=day, gate=gate,
        only=only, skip=skip, no_waivers=no_waivers, allow_local_plugins=allow_local,
        cache_dir=None if no_cache else default_cache_dir(), jobs=jobs, overrides=overrides,
        baseline=saved, notes=(found,) if found else (),
    )
    prepare_for_scan()
    with progress_display(enabled=sys.stderr.isatty()) as show:
        scorecard = scan(options, progress=show)
    emit(scorecard, fmt, output, compact=compact)
    return exit_code(scorecard.verdict, fail_on)


def run_staged(*, path: Path | None, config_path: Path | None, policy_path: Path | None,
               day: datetime.date | None, overrides: dict[str, Any], gate: str | None,
               fmt: str, output: Path | None, only: tuple[str, ...], skip: tuple[str, ...],
               fail_on: str, baseline: Path | None, compact: bool, no_cache: bool,
               jobs: int | None) -> int:
    """`check --staged`: 1 when the staged change adds a problem (unless --fail-on never)."""
    from readiness.project.cache import default_cache_dir
    from readiness.report import write_atomic
    from readiness.report.staged import render
    from readiness.staged import judge

    for flag, given in (("--gate", gate), ("--baseline", baseline),
                        ("--format " + fmt, fmt != "terminal")):
        if given:
            raise ReadinessError(f"--staged judges the staged change only; {flag} is for the "
                                 "repository-wide scorecard (drop one of them)")
    prepare_for_scan()
    report = judge(path or Path("."), config_path=config_path, policy_path=policy_path,
                   overrides=overrides, cache_dir=None if no_cache else default_cache_dir(),
                   jobs=jobs, only=only, skip=skip, today=day)
    text = render(report, compact=compact)
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    return 1 if report.findings and fail_on != "never" else 0


def exit_code(verdict: Verdict, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    if verdict is Verdict.NO_GO:
        return 1
    if verdict is Verdict.CONDITIONAL_GO and fail_on == "conditional":
        return 1
    return 0


def use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@contextlib.contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[Check], None] | None]:
    """A one-line status on stderr naming the check being run; nothing when not a terminal."""
    if not enabled or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True, no_color=not use_color())
    with console.status("scanning…") as status:
        yield lambda check: status.update(f"checking {check.name}…")


def output_width(to_tty: bool) -> int:
    """The terminal's width; when output is not a terminal (CI, pre-commit, a pipe) the
    ``COLUMNS`` the environment sets, else 100. Kept between 60 and 240."""
    if to_tty:
        width = shutil.get_terminal_size((100, 24)).columns
    else:
        try:
            width = int(os.environ.get("COLUMNS", "") or 100)
        except ValueError:
            width = 100
    return max(60, min(width, 240))


def emit(scorecard: Scorecard, fmt: str, output: Path | None, compact: bool = False) -> None:
    """Render and write to ``output`` (atomically) or stdout."""
    from readiness.report import render, write_atomic

    options: dict[str, object] = {}
    if fmt == "terminal":
        options = {"width": output_width(output is None and sys.stdout.isatty()),
                   "color": output is None and use_color(),
                   "compact": compact}
    text = render(scorecard, fmt, **options)
    if output is not None:
        write_atomic(output, text)
        click.echo(f"wrote {output} ({scorecard.verdict.value})", err=True)
    else:
        # click.echo strips ANSI codes off a non-terminal: we already decided about colour.
        click.echo(text, nl=False, color=bool(options.get("color")))
