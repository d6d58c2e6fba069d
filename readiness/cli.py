"""The command line. Only this module and report/ write output.

Imports of the engine happen inside each command so that `readiness --help` stays fast: it
must not import rich, jsonschema or git.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from readiness import __version__
from readiness.errors import ReadinessError, one_line

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("terminal", "json", "markdown", "html", "sarif", "junit")
FAIL_ON = ("no-go", "conditional", "never")
GATES = ("soft-launch", "full-launch")
EXIT_GO, EXIT_NO_GO, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _echo(text: str, fmt: str = "terminal", *, err: bool = False) -> None:
    """Write ``text`` (in ``fmt``) with nothing a CI runner would read as a command."""
    from readiness.report.escape import for_output

    click.echo(for_output(text, fmt), nl=False, err=err)


def _fail(error: ReadinessError) -> NoReturn:
    _echo(f"readiness: error: {error}\n", err=True)
    sys.exit(error.exit_code)


def guarded(function: F) -> F:
    """Turn user errors into one line and exit 2, and crashes into one line and exit 3."""
    import functools

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ReadinessError as error:
            _fail(error)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("readiness: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("READINESS_DEBUG"):
                raise
            _echo(f"readiness: internal error: {one_line(f'{type(exc).__name__}: {exc}')}"
                  " (set READINESS_DEBUG=1 for the traceback, and please report it)\n",
                  err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _bad(param: click.Parameter, message: str) -> NoReturn:
    """A bad option value: one line and exit 2, like every other error (not click's
    three-line usage block)."""
    name = max(param.opts, key=len) if param.opts else str(param.name)
    _fail(ReadinessError(f"{name}: {message}"))


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        _bad(param, f"expected a date YYYY-MM-DD, got {value!r}")


def _gate(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in GATES:
        return value
    _bad(param, f"expected {' or '.join(GATES)}, got {value!r}")


def _regular(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]
             ) -> tuple[Path, ...]:
    """FILES must be regular files: a device or a pipe would never end."""
    from readiness import inputs

    for path in value:
        problem = inputs.check_regular(path)
        if problem:
            _fail(ReadinessError(problem, path=str(path)))
    return value


def _names(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> tuple[str, ...]:
    return tuple(n.strip() for item in value for n in item.split(",") if n.strip())


def _sets(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> dict[str, Any]:
    import yaml

    nested: dict[str, Any] = {}
    for item in value:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}")
        try:
            parsed = yaml.safe_load(raw) if raw.strip() else raw
        except (yaml.YAMLError, ValueError, OverflowError):  # 2026-13-45, 5,000 digits
            parsed = raw
        if isinstance(parsed, datetime.date):
            parsed = parsed.isoformat()
        node = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise click.BadParameter(f"{key}: conflicts with another --set")
        node[parts[-1]] = parsed
    return nested


def common_scan_options(function: F) -> F:
    options = [
        click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                     help="readiness.yaml to use (default: PATH/readiness.yaml, if present)."),
        click.option("--policy", "policy_path", envvar="READINESS_POLICY",
                     type=click.Path(path_type=Path, dir_okay=False, exists=True),
                     help="Organisation policy: a floor of thresholds and required checks "
                          "the project's config cannot lower. [env: READINESS_POLICY]"),
        click.option("--date", "day", callback=_date, metavar="YYYY-MM-DD",
                     help="Judge as of this date instead of today."),
        click.option("--set", "overrides", multiple=True, callback=_sets, metavar="KEY=VALUE",
                     help="Override a config value, e.g. --set thresholds.min_examples=300."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="readiness")
def main() -> None:
    """Is this LLM application ready to go from pilot to production?

    readiness inspects a repository's config, code, eval results and pilot telemetry
    against the infrastructure, quality and adoption gaps, places it on a 16-week
    pilot-to-production timeline, and prints a GO / CONDITIONAL GO / NO-GO scorecard.

    \b
    Start here:
      readiness init                 write a commented readiness.yaml
      readiness check                scorecard for the current repository
      readiness check --gate soft-launch --format markdown -o review.md
      readiness explain llm-timeouts why a check matters and how to fix it

    Exit codes: 0 go, 1 no-go (or what --fail-on makes fail), 2 usage or config
    error, 3 internal error.
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, a hook timed out): stop the worker processes with us."""
    import multiprocessing

    from readiness.git.run import stop_all

    for child in multiprocessing.active_children():
        child.kill()
    stop_all()
    os._exit(128 + signum)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
@common_scan_options
@click.option("--gate", callback=_gate, metavar="[" + "|".join(GATES) + "]",
              help="Decide on launching through this gate now (default: judge whether the "
                   "next gate is on track).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="terminal",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (atomically) instead of stdout.")
@click.option("--only", multiple=True, callback=_names, metavar="CHECKS",
              help="Run only these checks (names or codes, comma-separated or repeated).")
@click.option("--skip", multiple=True, callback=_names, metavar="CHECKS",
              help="Do not run these checks.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="no-go", show_default=True,
              help="Which verdict makes the exit code 1.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A saved JSON scorecard: report and fail only on what is new or worse.")
@click.option("--compact", is_flag=True,
              help="Terminal summary only: verdict, scores, next actions with path:line "
                   "(with --staged: one line per new problem).")
@click.option("--staged", is_flag=True,
              help="Judge only what the staged change adds (new model calls without "
                   "protections, new keys, prompt changes without evals): the pre-commit hook.")
@click.option("--no-waivers", is_flag=True, help="Audit without the waivers in readiness.yaml.")
@click.option("--allow-local-plugins", is_flag=True,
              help="Load the Python checks in plugins.local (runs code from the repository).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the analysis cache.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes for big scans.")
@guarded
def check(path: Path | None, config_path: Path | None, policy_path: Path | None,
          day: datetime.date | None, overrides: dict[str, Any], gate: str | None, fmt: str,
          output: Path | None, only: tuple[str, ...], skip: tuple[str, ...], fail_on: str,
          baseline: Path | None, compact: bool, staged: bool, no_waivers: bool,
          allow_local_plugins: bool, no_cache: bool, jobs: int | None) -> None:
    """Scan PATH and print the go/no-go scorecard.

    Without PATH: here, or the nearest folder above that holds readiness.yaml (up to the
    work tree root); the notes say which file was used."""
    from readiness.commands.check import run, run_staged

    if staged:
        sys.exit(run_staged(path=path, config_path=config_path, policy_path=policy_path,
                            day=day, overrides=overrides, gate=gate, fmt=fmt, output=output,
                            only=only, skip=skip, fail_on=fail_on, baseline=baseline,
                            compact=compact, no_cache=no_cache, jobs=jobs))
    sys.exit(run(path=path, config_path=config_path, policy_path=policy_path, day=day,
                 overrides=overrides, gate=gate, fmt=fmt, output=output, only=only, skip=skip,
                 fail_on=fail_on, baseline=baseline, compact=compact, no_waivers=no_waivers,
                 allow_local=allow_local_plugins, no_cache=no_cache, jobs=jobs))


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("-t", "--template", type=click.Choice(("extraction", "assistant", "triage")),
              help="Starter: document extraction, chat/RAG assistant, or classification/triage "
                   "(default: the one that fits the code in PATH).")
@click.option("--force", is_flag=True, help="Overwrite an existing readiness.yaml.")
@click.option("--pilot-start", callback=_date, metavar="YYYY-MM-DD",
              help="Week 1 of the pilot (default: the Monday of this week).")
@guarded
def init(path: Path, template: str | None, force: bool,
         pilot_start: datetime.date | None) -> None:
    """Write a commented starter readiness.yaml into PATH."""
    from readiness.commands.init import write_starter

    why = ""
    if template is None and (force or not (path / "readiness.yaml").exists()):
        from readiness.commands.starter import pick

        if not path.is_dir():
            raise ReadinessError(f"{path}: not a folder")
        template, why = pick(path)
        why = f": {why}"
    written = write_starter(path, template or "extraction", force=force,
                            pilot_start=pilot_start)
    click.echo(f"wrote {written} ({template} starter{why}); replace its placeholders "
               "(name-of-owner, the example channel), then run `readiness check`")


@main.command(name="list")
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(("terminal", "json")),
              default="terminal", show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--allow-local-plugins", is_flag=True, help="Include plugins.local checks.")
@guarded
def list_checks(path: Path, fmt: str, config_path: Path | None, allow_local_plugins: bool) -> None:
    """List the checks: code, name, gap, due week, severity and source."""
    from readiness.commands.catalogue import list_text

    _echo(list_text(path, fmt, config_path, allow_local_plugins), fmt)


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(("terminal", "json")),
              default="terminal", show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="readiness.yaml to use (for its exclude list).")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes for big scans.")
@guarded
def calls(path: Path, fmt: str, config_path: Path | None, jobs: int | None) -> None:
    """Inventory every model call and model object in PATH (default: here).

    For each call: path:line, provider and API, purpose (generation, embedding, rerank,
    listing, image, other), whether it is production code or a test, eval, example,
    script or __main__ demo, and each protection (timeout, retry, error handling, output
    validation, fallback) with where it comes from. Only production generation calls
    decide the per-call checks; this is how to see which those are.
    """
    from readiness.commands.calls import calls_text

    _echo(calls_text(path, config_path, fmt, jobs), fmt)


@main.command()
@click.argument("ident", metavar="CHECK")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@guarded
def explain(ident: str, config_path: Path | None) -> None:
    """Explain CHECK (a name like llm-timeouts or a code like INF001)."""
    from readiness.commands.catalogue import explain_text

    _echo(explain_text(ident, Path("."), config_path))


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
@common_scan_options
@guarded
def timeline(path: Path | None, config_path: Path | None, policy_path: Path | None,
             day: datetime.date | None, overrides: dict[str, Any]) -> None:
    """Show the 16 weeks, where the project stands, and what is due next."""
    from readiness.commands.timeline import timeline_text
    from readiness.config import discover_root

    root, found = discover_root(path, config_path)
    text = timeline_text(root, config_path, policy_path, day, overrides)
    _echo(text + (f"note: {found}\n" if found else ""))


@main.command()
@click.argument("files", nargs=-1, callback=_regular,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(("terminal", "json")),
              default="terminal", show_default=True)
@click.option("--id", "id_field", metavar="FIELD", help="Generic files: the example id field.")
@click.option("--category", metavar="FIELD", help="Generic files: the category field.")
@click.option("--correct", metavar="FIELD", help="Generic files: a true/false correctness field.")
@click.option("--score", metavar="FIELD", help="Generic files: a score field (with --threshold).")
@click.option("--threshold", type=float, help="A score at or above this passes.")
@click.option("--tags", metavar="FIELD", help="Generic files: a tags field.")
@guarded
def evals(files: tuple[Path, ...], fmt: str, id_field: str | None, category: str | None,
          correct: str | None, score: str | None, threshold: float | None,
          tags: str | None) -> None:
    """Accuracy by category, with 95% Wilson intervals, for eval result FILES.

    Reads promptfoo output (JSON/JSONL/CSV), Inspect AI logs (.eval and JSON), DeepEval test
    runs, lm-evaluation-harness results and samples, OpenAI evals logs, and generic
    CSV/JSONL/JSON with the field options. The format is detected from content; several
    files are one result set. Errors reported by the tool count as not passed.
    """
    from readiness.commands.evals import evals_text

    fields = {"id": id_field, "category": category, "correct": correct, "score": score,
              "tags": tags, "threshold": threshold}
    _echo(evals_text(files, fields, fmt), fmt)


@main.command()
@click.argument("files", nargs=-1, callback=_regular,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="readiness.yaml with usage.volume, budget and prices "
                   "(default: ./readiness.yaml).")
@click.option("-f", "--format", "fmt", type=click.Choice(("terminal", "json")),
              default="terminal", show_default=True)
@click.option("--field", "field_options", metavar="KEY=PATH", multiple=True,
              help="Read FILES through a field mapping (repeatable), e.g. --field "
                   "input_tokens=usage.in; keys: model, provider, input_tokens, output_tokens, "
                   "cached_tokens, cache_write_tokens, reasoning_tokens, latency_ms, latency_s, "
                   "start, status, error, item, request_id, cost_usd.")
@guarded
def usage(files: tuple[Path, ...], config_path: Path | None, fmt: str,
          field_options: tuple[str, ...]) -> None:
    """Summarise pilot telemetry FILES and project them to production volume.

    Reads OTLP/JSON traces and ConsoleSpanExporter output, raw OpenAI/Anthropic responses
    and batch results (also nested in application log lines), LiteLLM, Langfuse and
    LangSmith exports, and Locust/k6 load-test results; the format is detected from
    content. Any other JSON Lines, JSON or CSV log is read through --field mappings.
    Several files are one pilot.
    """
    from readiness.commands.usage import usage_text

    _echo(usage_text(files, config_path, fmt, field_options), fmt)


@main.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of readiness.yaml."""
    from importlib import resources

    click.echo(resources.files("readiness").joinpath("schema.json").read_text("utf-8"), nl=False)


@main.command()
@click.argument("scorecard", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="terminal",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
              help="Exit 1 on this verdict, as `check` does (for CI gates on a saved scan).")
@guarded
def report(scorecard: Path, fmt: str, output: Path | None, fail_on: str) -> None:
    """Re-render a saved JSON scorecard (from `check --format json`) without re-scanning."""
    from readiness import inputs
    from readiness.commands.check import emit, exit_code
    from readiness.report.json import load

    try:
        text = inputs.read_bytes(scorecard, inputs.MAX_SCORECARD_BYTES).decode("utf-8")
    except inputs.Refused as exc:
        raise ReadinessError(str(exc), path=str(scorecard)) from None
    except UnicodeDecodeError as exc:
        raise ReadinessError(f"not UTF-8 text (byte {exc.start})", path=str(scorecard)) from None
    card = load(text, str(scorecard))
    emit(card, fmt, output)
    sys.exit(exit_code(card.verdict, fail_on))


if __name__ == "__main__":  # pragma: no cover
    main()
