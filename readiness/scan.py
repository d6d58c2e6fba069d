"""One run, start to finish: config -> project -> checks -> results -> scoring -> scorecard."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from readiness import __version__, registry, runcache, scoring, suppress
from readiness.baseline import mark as mark_baseline
from readiness.config import Config, load_config
from readiness.errors import ConfigError, ReadinessError
from readiness.model import Check, Result, Scorecard
from readiness.project import Project
from readiness.runner import run_checks, select
from readiness.timeline import choose_gate, locate

MAX_SKIP_NOTES = 10


@dataclass(frozen=True)
class ScanOptions:
    root: Path
    config_path: Path | None = None
    policy_path: Path | None = None
    date: datetime.date | None = None
    gate: str | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    no_waivers: bool = False
    allow_local_plugins: bool = False
    cache_dir: Path | None = None
    jobs: int | None = None
    overrides: dict[str, object] = field(default_factory=dict)  # from --set, already nested
    extra_checks: tuple[Check, ...] = ()
    baseline: Scorecard | None = None
    notes: tuple[str, ...] = ()  # from the command line (which config file was found)


def _repository_files(root: Path, pattern: str) -> list[str]:
    """Files under ``root`` matching the glob ``pattern`` (links not followed, nothing
    outside ``root``: a pattern with ``..`` or an absolute one matches nothing)."""
    import os

    from readiness.project.globs import glob_match
    from readiness.project.walk import DEFAULT_PRUNE

    pattern = pattern.removeprefix("./")
    if os.path.isabs(pattern) or ".." in pattern.split("/"):
        return []
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_PRUNE)
        found.extend(prefix + name for name in files if glob_match(prefix + name, pattern))
    return sorted(found)


def assemble(config: Config, *, allow_local: bool,
             extra: tuple[Check, ...] = ()) -> registry.Registry:
    """Every check this run may use: built-in, packs, YAML checks, and consented local ones."""
    from readiness import yamlcheck

    groups: list[tuple[Check, ...]] = [registry.builtin_checks(), extra]
    groups.extend(registry.entry_point_checks())
    root = config.root
    for pattern in config.get("plugins.yaml_checks", []):
        matches = _repository_files(root, pattern)
        if not matches:
            raise ConfigError(f"plugins.yaml_checks: no file matches {pattern!r} inside the "
                              "repository", path=_config_display(config))
        for rel in matches:
            groups.append(yamlcheck.load_file(root / rel, rel, within=root))
    local = config.get("plugins.local")
    if local and allow_local:
        groups.append(registry.local_checks(root / local, local))
    return registry.build(groups)


def check_names(config: Config, known: frozenset[str]) -> None:
    """Every check named in config must exist: a typo must not silently waive nothing."""
    catalogue = known | set(config.get("checks.defaults", {}))
    doc = config.document
    named: list[tuple[tuple[str | int, ...], str]] = []
    checks = config.get("checks", {})
    for key in ("disable", "required"):
        named += [(("checks", key, i), n) for i, n in enumerate(checks.get(key, []))]
    for key in ("severity", "due_week", "owners"):
        named += [(("checks", key, n), n) for n in checks.get(key, {})]
    named += [(("checks", "waivers", i, "check"), w["check"])
              for i, w in enumerate(checks.get("waivers", []))]
    named += [(("evidence", n), n) for n in config.get("evidence", {})]
    for where, name in named:
        if name not in catalogue:
            message = f"{'.'.join(str(p) for p in where)}: unknown check '{name}'" \
                      " (see `readiness list`)"
            if doc is not None:
                raise doc.error(where, message, key=isinstance(where[-1], str))
            raise ConfigError(message)


def _check_selection(config: Config, reg: registry.Registry, options: ScanOptions) -> None:
    """Every check named in config and on the command line exists and has a due week and a
    severity."""
    check_names(config, reg.names)
    for ident in options.only + options.skip:
        if reg.find(ident) is None:
            raise ReadinessError(f"--only/--skip: unknown check '{ident}' (see `readiness list`)")
    for item in reg.checks:
        if config.severity(item.name, item.severity) is None or \
                config.check_setting(item.name, "due_week", item.due_week) is None:
            raise ConfigError(f"check {item.name} ({item.source}) has no due week or severity: "
                              "set checks.defaults in readiness.yaml")


def scan(options: ScanOptions, progress: Callable[[Check], None] | None = None) -> Scorecard:
    """Scan ``options.root`` and return its scorecard."""
    root = options.root.resolve()
    if not root.is_dir():
        raise ReadinessError(f"{root}: not a folder")
    config = load_config(root, config_path=options.config_path,
                         policy_path=options.policy_path, overrides=options.overrides or None)
    # The project first: on a cold scan its worker processes start up while the checks load;
    # its files' signatures say whether a kept run's results still hold.
    project = Project(root, exclude=config.get("exclude", []), cache_dir=options.cache_dir,
                      jobs=options.jobs)
    try:
        reg = assemble(config, allow_local=options.allow_local_plugins,
                       extra=options.extra_checks)
        _check_selection(config, reg, options)
    except BaseException:
        project.close()
        raise
    today = options.date or datetime.date.today()
    timeline = locate(config, today)
    gate, view = choose_gate(config, timeline, options.gate)
    if view.assessment == "launch":  # checks whose bar depends on the gate can see it
        config = dataclasses.replace(config, launch_gate=gate.name)
    chosen = select(reg.checks, options.only, options.skip, config.disabled())
    try:
        kept, keep_at, key = _kept_run(project, config, reg, chosen, options, today)
        if kept is None:
            kept = _run(project, config, chosen, progress)
            runcache.keep(keep_at, key, kept)
    finally:
        project.close()
    ran, inline = kept.ran, kept.inline
    ran = [r._replace(finding=suppress.apply(r.finding, r.check.name, inline))
           if r.finding else r for r in ran]
    waivers = () if options.no_waivers else config.waivers()
    results = tuple(scoring.to_result(r, config, timeline, gate, view, waivers) for r in ran)
    baseline_notes: list[str] = []
    if options.baseline is not None:
        results, baseline_notes = mark_baseline(results, options.baseline)
    judgement = scoring.judge(results, timeline, gate, view, config, options.gate is not None)
    notes = [*options.notes, *baseline_notes, *config.notes,
             *scoring.waiver_notes(waivers, results, today)]
    notes += audience_note(results)
    notes += suppress.problems(inline, reg.names | set(config.get("checks.defaults", {})))
    if options.no_waivers:
        notes.append("--no-waivers: waivers in readiness.yaml were not applied")
    if project.git_note is not None:
        notes.append(f"{project.git_note}; no commit facts, .gitignore files honoured")
    elif project.git is None:
        notes.append("not a git repository: no commit facts; .gitignore files honoured")
    skipped = kept.skipped
    notes += [f"skipped {path}: {reason}" for path, reason in skipped[:MAX_SKIP_NOTES]]
    if len(skipped) > MAX_SKIP_NOTES:
        notes.append(f"... and {len(skipped) - MAX_SKIP_NOTES} more files skipped")
    return Scorecard(
        tool_version=__version__,
        project_name=config.project_name,
        root=root.resolve().name,
        commit=project.git.commit if project.git else None,
        dirty=project.git.dirty if project.git else None,
        timeline=timeline,
        gate=view,
        verdict=judgement.verdict,
        reasons=judgement.reasons,
        scores=scoring.gap_scores(results),
        results=results,
        next_actions=scoring.next_actions(results),
        hints=scoring.config_hints(config, timeline),
        notes=tuple(notes),
        waivers=tuple(waivers),
        settings=settings(config),
        extras=kept.extras,
    )


def _kept_run(project: Project, config: Config, reg: registry.Registry,
              chosen: list[Check], options: ScanOptions, today: datetime.date
              ) -> tuple[runcache.Kept | None, Path | None, str]:
    """The results of an earlier run with the very same inputs, if one was kept; else
    None, with where (None: nowhere) and under which key to keep this run's."""
    if project.cache_dir is None or options.extra_checks or \
            not runcache.cacheable(reg.checks):
        return None, None, ""
    at = runcache.store_path(project.cache_dir, project.root)
    key = runcache.run_key(
        project=project, config=config, checks=reg.checks, chosen=chosen,
        options=runcache.options_of(today, options.gate, options.only, options.skip,
                                    options.no_waivers, options.notes))
    return runcache.load(at, key, runcache.newest_mtime(project, reg.checks), chosen), at, key


def _run(project: Project, config: Config, chosen: list[Check],
         progress: Callable[[Check], None] | None) -> runcache.Kept:
    """Run the checks and gather what the scorecard needs from the project."""
    project.start()  # on a cold scan the worker processes start up while the checks load
    timeout = float(config.threshold("check_timeout_seconds") or 60)
    # Two lanes: while the call-site index waits on the worker processes, the text
    # scans go on (measured on the 5,000-file benchmark: cold 4.28 s -> 4.0 s).
    lanes = 1 if project.workers is None else 2
    ran = run_checks(chosen, project, config, timeout=timeout, progress=progress,
                     lanes=lanes)
    cited = {e.path for r in ran if r.finding for e in r.finding.evidence}
    inline = suppress.find(project, cited)
    found = extras(project, config)
    project.release()  # nothing reads the analyses or texts after this
    project.save_facts()  # every per-file scan of the run is done
    return runcache.Kept(ran, inline, [(s.path, s.reason) for s in project.skipped], found)


def audience_note(results: tuple[Result, ...]) -> list[str]:
    """Who the adoption checks were judged for, as the first adoption finding says."""
    for result in results:
        reason = dict(result.details).get("audience_reason")
        if reason:
            return [f"adoption checks judged for {reason}; set adoption.audience "
                    "(interactive, service, batch, none) to change it"]
    return []


def extras(project: Project, config: Config) -> dict[str, object]:
    """Figures the reports show beside the checks: pilot usage when telemetry is configured."""
    from readiness.telemetry import usage

    found: dict[str, object] = {}
    try:
        report = usage.for_project(project, config)
    except ReadinessError:
        report = None  # the cost-projection check reports why
    if report is not None:
        found["usage"] = usage.flat(report)
    from readiness.evals import evalset

    evals = evalset.report_data(config, evalset.for_project(project, config))
    if evals["workflows"]:
        found["evals"] = evals
    return found


def settings(config: Config) -> tuple[tuple[str, object, str], ...]:
    """Effective thresholds and anything a policy or flag set, with where each came from."""
    rows = [(f"thresholds.{k}", v, config.origin(f"thresholds.{k}"))
            for k, v in sorted(config.get("thresholds", {}).items())]
    rows += [(k, config.get(k), config.origin(k)) for k in sorted(config.origins)
             if config.origins[k] not in ("base profile", "readiness.yaml")
             and not k.startswith("thresholds.") and config.get(k) is not None]
    return tuple(rows)


def _config_display(config: Config) -> str | None:
    return config.document.display if config.document else None
