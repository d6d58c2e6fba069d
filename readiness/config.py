"""Configuration: the base profile, the project's readiness.yaml, a policy floor and CLI flags.

Each layer is parsed with locations and validated against the one shipped JSON Schema, then
layered (mappings merge, everything else replaces). A policy is a floor: thresholds it sets
cannot be lowered, checks it requires cannot be disabled or waived. Every effective setting
remembers which layer it came from.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from readiness import inputs, yamlsource
from readiness.errors import ConfigError
from readiness.model import Evidence, Severity, Waiver

CONFIG_NAME = "readiness.yaml"
BASE = "base profile"
PROJECT = "readiness.yaml"
POLICY = "policy"
CLI = "command line"
# Thresholds where a higher number is stricter; a policy sets their floor.
FLOOR_KEYS = ("min_examples", "min_per_category", "adoption_target", "confidence")


@dataclass(frozen=True)
class Config:
    """The effective configuration of one run (read-only)."""

    data: Mapping[str, Any]
    root: Path
    source: Path | None  # the project's readiness.yaml, if any
    origins: Mapping[str, str] = field(default_factory=dict)  # dotted key -> layer
    policy_required: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    document: yamlsource.Document | None = None  # the project's file, to locate errors
    launch_gate: str | None = None  # the gate this run decides on launching through, if any

    def get(self, dotted: str, default: Any = None) -> Any:
        """A value by dotted path, e.g. ``config.get("timeline.pilot_start")``."""
        node: Any = self.data
        for part in dotted.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                return default
        return node

    def date(self, dotted: str) -> datetime.date | None:
        value = self.get(dotted)
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None

    @property
    def has_project_file(self) -> bool:
        return self.source is not None

    @property
    def project_name(self) -> str:
        return str(self.get("project") or self.root.name)

    def threshold(self, name: str) -> Any:
        return self.get(f"thresholds.{name}")

    def check_setting(self, check: str, key: str, declared: Any = None) -> Any:
        """A check's due_week or severity: explicit override > base profile > its own default."""
        override = self.get(f"checks.{key}", {}).get(check)
        if override is not None:
            return override
        return self.get("checks.defaults", {}).get(check, {}).get(key, declared)

    def severity(self, check: str, declared: Severity | None) -> Severity | None:
        value = self.check_setting(check, "severity", declared.value if declared else None)
        return Severity(value) if value else None

    def disabled(self) -> frozenset[str]:
        return frozenset(self.get("checks.disable", [])) - self.policy_required

    def waivers(self) -> tuple[Waiver, ...]:
        return tuple(
            Waiver(w["check"], w["reason"], w["owner"], datetime.date.fromisoformat(w["expires"]))
            for w in self.get("checks.waivers", [])
            if w["check"] not in self.policy_required
        )

    def evidence(self, dotted: str) -> Evidence | None:
        """Evidence pointing at where ``dotted`` is set in the project's readiness.yaml."""
        if self.document is None or self.get(dotted) is None:
            return None
        if self.origin(dotted) != PROJECT:
            return None
        path = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
        loc = self.document.where(path)
        return Evidence(self.document.display, loc[0] if loc else None)

    def origin(self, dotted: str) -> str:
        while dotted:
            if dotted in self.origins:
                return self.origins[dotted]
            dotted = dotted.rpartition(".")[0]
        return BASE


def load_schema() -> dict[str, Any]:
    text = resources.files("readiness").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def base_profile() -> yamlsource.Document:
    text = resources.files("readiness.templates").joinpath("base.yaml").read_text("utf-8")
    return yamlsource.load(text, "base profile")


def read_layer(path: Path, display: str, root: Path, *, within: Path | None = None
               ) -> yamlsource.Document:
    """Read and validate one YAML layer; every problem is a one-line ConfigError. A file of
    the repository (``within``) is not read through a link that leads out of it."""
    try:
        raw = inputs.read_bytes(path, inputs.MAX_CONFIG_BYTES, within=within)
    except inputs.Refused as exc:
        raise ConfigError(str(exc), path=display) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path=display) from None
    doc = yamlsource.load(text, display)
    if not isinstance(doc.data, dict):
        raise doc.error((), f"expected a mapping of settings, got {_kind(doc.data)}")
    validate(doc, root)
    return doc


def validate(doc: yamlsource.Document, root: Path) -> None:
    """Check ``doc`` against the schema; raise the first error (in file order) as one line."""
    import jsonschema

    checker = _format_checker(root)
    validator = jsonschema.Draft202012Validator(load_schema(), format_checker=checker)
    errors = list(validator.iter_errors(doc.data))
    if not errors:
        return
    errors.sort(key=lambda e: (doc.where(tuple(e.absolute_path)) or (0, 0), len(e.path)))
    raise explain_error(doc, _deepest(errors[0]))


def _deepest(error: Any) -> Any:
    """For oneOf/anyOf, the sub-error that got furthest is the one worth reporting."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
    return error


def explain_error(doc: yamlsource.Document, error: Any) -> ConfigError:
    import difflib

    path = tuple(error.absolute_path)
    where = ".".join(str(p) for p in path) or "top level"
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = (f"; did you mean '{close[0]}'?" if close else
                f"; expected one of: {', '.join(allowed)}" if allowed else "")
        dotted = ".".join(str(p) for p in path + (key,))
        return doc.error(path + (key,), f"unknown key '{dotted}'{hint}", key=True)
    if kind == "propertyNames":
        return doc.error(path, f"{where}: '{error.instance}' is not a check name (kebab-case)")
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        got = _show(error.instance)
        return doc.error(path, f"{where}: expected {_article(expected)}, got {got}")
    if kind == "format":
        return doc.error(path, f"{where}: {_FORMAT_HELP.get(error.validator_value, 'invalid')}, "
                               f"got {_show(error.instance)}")
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return doc.error(path, f"{where}: missing required key '{missing}'")
    if kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        shown = ", ".join(str(o) for o in options)
        return doc.error(path, f"{where}: expected one of {shown}, got {_show(error.instance)}")
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
                "exclusiveMaximum": "<"}[kind]
        return doc.error(path, f"{where}: expected a number {sign} {error.validator_value}, "
                               f"got {_show(error.instance)}")
    if kind in ("minLength", "minItems", "maxItems"):
        return doc.error(path, f"{where}: {error.message}")
    if kind == "pattern":
        return doc.error(path, f"{where}: '{error.instance}' does not look like a check name "
                               "(kebab-case, e.g. llm-timeouts)")
    return doc.error(path, f"{where}: {error.message}")


_FORMAT_HELP = {
    "date": "expected a date YYYY-MM-DD",
    "repo-path": "expected a relative path inside the repository",
    "repo-glob": "expected a relative path or glob inside the repository",
    "evidence-ref": "expected a path inside the repository, an https URL, or a statement",
    "url": "expected an http(s) URL",
}


def _article(word: str) -> str:
    if word in ("object",):
        return "a mapping"
    if word in ("array",):
        return "a list"
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "nothing"}.get(type(value), "a value")


def _show(value: Any) -> str:
    if isinstance(value, dict | list):
        return _kind(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def inside_repo(value: str, root: Path) -> bool:
    """True if ``value`` is a relative path that stays inside ``root`` (symlinks resolved)."""
    if "\0" in value:
        return False
    posix = PurePosixPath(value.replace("\\", "/"))
    if posix.is_absolute() or re.match(r"^[A-Za-z]:", value):
        return False
    depth = 0
    for part in posix.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return False
    try:
        (root / posix).resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def looks_like_path(value: str) -> bool:
    return not _URL.match(value) and not any(c.isspace() for c in value.strip())


def _format_checker(root: Path) -> Any:
    import jsonschema

    checker: Any = jsonschema.FormatChecker(formats=())

    def date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        datetime.date.fromisoformat(value)
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))

    def path(value: object) -> bool:
        return not isinstance(value, str) or inside_repo(value, root)

    def url(value: object) -> bool:
        return not isinstance(value, str) or bool(_URL.match(value))

    def evidence(value: object) -> bool:
        if not isinstance(value, str) or _URL.match(value) or not looks_like_path(value):
            return True  # a URL, or a statement (a claim)
        return inside_repo(value, root)

    checker.checks("date", raises=ValueError)(date)
    checker.checks("repo-path")(path)
    checker.checks("repo-glob")(path)
    checker.checks("url")(url)
    checker.checks("evidence-ref")(evidence)
    return checker


def merge(base: Any, over: Any, origins: dict[str, str], layer: str, prefix: str = "") -> Any:
    """Layer ``over`` onto ``base``: mappings merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            dotted = f"{prefix}.{key}" if prefix else key
            merged[key] = merge(base.get(key), value, origins, layer, dotted)
        return merged
    origins[prefix] = layer
    for key in [k for k in origins if k.startswith(prefix + ".")]:
        del origins[key]
    return over


_SEVERITY_RANK = {"minor": 0, "major": 1, "blocker": 2}


def load_config(
    root: Path,
    *,
    config_path: Path | None = None,
    policy_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the effective config: base profile < policy defaults < project < flags, floored."""
    origins: dict[str, str] = {}
    data = merge({}, base_profile().data, origins, BASE)
    policy: dict[str, Any] = {}
    if policy_path is not None:
        policy = read_layer(policy_path, str(policy_path), root).data
        data = merge(data, policy, origins, POLICY)
    source = config_path
    if source is None and (root / CONFIG_NAME).is_file():
        source = root / CONFIG_NAME
    document = None
    if source is not None:
        display = _display(source, root)
        if not source.is_file():
            raise ConfigError("config file not found", path=display)
        document = read_layer(source, display, root,
                              within=root if config_path is None else None)
        data = merge(data, document.data, origins, PROJECT)
    notes: list[str] = []
    required: frozenset[str] = frozenset()
    if policy:
        required = _apply_floor(data, policy, origins, notes)
    if overrides:
        validate(yamlsource.Document(dict(overrides), {}, {}, "--set"), root)
        data = merge(data, dict(overrides), origins, CLI)
    config = Config(data, root, source, origins, required, tuple(notes), document)
    _check_order(config)
    return config


def _check_order(config: Config) -> None:
    """A soft launch planned before the pilot starts is a mistake in the dates, not a plan."""
    start, soft = config.date("timeline.pilot_start"), config.date("timeline.soft_launch")
    if start is None or soft is None or soft >= start:
        return
    message = (f"timeline.soft_launch ({soft}) is before timeline.pilot_start ({start}); "
               "the soft launch comes after the pilot")
    for key in ("timeline.soft_launch", "timeline.pilot_start"):
        if config.origin(key) == PROJECT and config.document is not None:
            raise config.document.error(tuple(key.split(".")), message)
    raise ConfigError(message, path=config.origin("timeline.soft_launch"))


def discover_root(path: Path | None, config_path: Path | None) -> tuple[Path, str | None]:
    """The folder to scan, and a note when it is not the one asked for, or when a
    readiness.yaml above it is not used.

    Without PATH (``readiness check`` run in a sub-folder) the nearest folder at or above
    the current one that holds readiness.yaml, up to the work tree root, is scanned: the
    project's settings are not dropped because of where the command was typed. With an
    explicit PATH, that folder is scanned, and a readiness.yaml above it is named so that
    nobody wonders why its settings were not applied. The work tree root is found by
    looking for ``.git``, without running git."""
    asked = (path or Path(".")).resolve()
    if config_path is not None or (asked / CONFIG_NAME).is_file():
        return path or Path("."), None
    found = None
    for folder in (asked, *asked.parents):
        if (folder / CONFIG_NAME).is_file():
            found = folder
            break
        if os.path.lexists(folder / ".git"):
            break  # the work tree root: a readiness.yaml above it is another project's
    if found is None:
        return path or Path("."), None
    here = Path.cwd()
    shown = os.path.relpath(found / CONFIG_NAME, here)
    if path is None:
        return found, (f"config: {shown} (no readiness.yaml here; the project scanned is "
                       f"{os.path.relpath(found, here)}, where it is)")
    return asked, (f"no readiness.yaml in {os.path.relpath(asked, here)}: the built-in "
                   f"profile was used, not {shown} (scan {os.path.relpath(found, here)} or "
                   f"pass --config {shown})")


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _apply_floor(data: dict[str, Any], policy: Mapping[str, Any], origins: dict[str, str],
                 notes: list[str]) -> frozenset[str]:
    """Re-impose what the policy sets wherever the project's file made it laxer."""
    thresholds = data.setdefault("thresholds", {})
    for key, floor in policy.get("thresholds", {}).items():
        current = thresholds.get(key)
        if key in FLOOR_KEYS and current is not None and current < floor:
            notes.append(f"policy raised thresholds.{key} from {current} to {floor}")
            thresholds[key] = floor
            origins[f"thresholds.{key}"] = POLICY
    floor_target = policy.get("thresholds", {}).get("adoption_target")
    target = data.get("adoption", {}).get("adoption_target")
    if floor_target is not None and target is not None and target < floor_target:
        notes.append(f"policy raised adoption.adoption_target from {target} to {floor_target}")
        data["adoption"]["adoption_target"] = floor_target
        origins["adoption.adoption_target"] = POLICY
    if policy.get("thresholds", {}).get("accuracy_rule") == "lower_bound":
        thresholds["accuracy_rule"] = "lower_bound"
        origins["thresholds.accuracy_rule"] = POLICY
    policy_flows = {w["name"]: w for w in policy.get("workflows", [])}
    for index, flow in enumerate(data.get("workflows", [])):
        floor_flow = policy_flows.get(flow.get("name"))
        for key in ("min_accuracy", "min_examples", "min_per_category"):
            floor = floor_flow.get(key) if floor_flow else None
            if floor is not None and (flow.get(key) is None or flow[key] < floor):
                notes.append(f"policy raised {flow['name']}.{key} to {floor}")
                flow[key] = floor
                origins[f"workflows.{index}.{key}"] = POLICY
    checks = data.setdefault("checks", {})
    severities = checks.setdefault("severity", {})
    for name, level in policy.get("checks", {}).get("severity", {}).items():
        mine = severities.get(name, level)
        if _SEVERITY_RANK[mine] < _SEVERITY_RANK[level]:
            notes.append(f"policy keeps {name} at severity {level} (project asked for {mine})")
        severities[name] = max(mine, level, key=_SEVERITY_RANK.__getitem__)
    required = frozenset(policy.get("checks", {}).get("required", []))
    for name in sorted(required & set(checks.get("disable", []))):
        notes.append(f"policy requires {name}: the project's disable is ignored")
    for waiver in checks.get("waivers", []):
        if waiver["check"] in required:
            notes.append(f"policy requires {waiver['check']}: the project's waiver is ignored")
    return required
