"""Assemble the checks of one run: built-in, entry-point packs, local Python, declarative YAML.

The registry is a value built per run and handed down; nothing registers itself by import.
Discovery is a set of pure functions in the manner of flake8's plugin finder: find, load,
tag with the source, and fail loudly on duplicates, naming both sides.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from readiness.errors import RegistryError
from readiness.model import Check

ENTRY_POINT_GROUP = "readiness.checks"


@dataclass(frozen=True)
class Registry:
    """The checks available to a run, in a stable order (gap, then code)."""

    checks: tuple[Check, ...]

    def find(self, ident: str) -> Check | None:
        """A check by name or code (codes case-insensitively)."""
        for item in self.checks:
            if item.name == ident or item.code == ident.upper():
                return item
        return None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.checks)


def build(groups: Iterable[Sequence[Check]]) -> Registry:
    """Join check groups into a registry; a repeated code or name is an error naming both."""
    by_code: dict[str, Check] = {}
    by_name: dict[str, Check] = {}
    for group in groups:
        for item in group:
            if not isinstance(item, Check):
                raise RegistryError(f"{getattr(item, '__name__', item)!r} is not a check "
                                    "(decorate it with readiness.check)")
            for table, key, what in ((by_code, item.code, "code"), (by_name, item.name, "name")):
                other = table.get(key)
                if other is not None:
                    raise RegistryError(f"duplicate check {what} {key!r}: from {other.source} "
                                        f"and from {item.source}")
                table[key] = item
    order = {"timeline": 0, "infrastructure": 1, "quality": 2, "adoption": 3}
    return Registry(tuple(sorted(by_code.values(), key=lambda c: (order[c.gap.value], c.code))))


def builtin_checks() -> tuple[Check, ...]:
    from readiness.checks import CHECKS

    return tuple(CHECKS)


def entry_point_checks() -> list[tuple[Check, ...]]:
    """Checks from installed packs: entry points in ``readiness.checks`` naming a CHECKS list."""
    groups = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        source = f"pack {entry.name} ({entry.value})"
        try:
            loaded = entry.load()
        except Exception as exc:
            raise RegistryError(f"cannot load check pack {entry.name!r} ({entry.value}): "
                                f"{type(exc).__name__}: {exc}") from None
        checks = _as_checks(loaded, source)
        prefix = re.sub(r"[^A-Z0-9]", "", entry.name.upper())
        for item in checks:
            if not item.code.startswith(prefix):
                raise RegistryError(f"check {item.name!r} from {source}: its code {item.code!r} "
                                    f"must start with the pack's prefix {prefix!r}")
        groups.append(checks)
    return groups


def local_checks(folder: Path, display: str) -> tuple[Check, ...]:
    """Import the Python files of a local check folder (only with the user's explicit consent)."""
    if not folder.is_dir():
        raise RegistryError(f"{display}: local check folder not found")
    found: list[Check] = []
    for path in sorted(folder.glob("*.py")):
        name = f"readiness_local_checks.{path.stem}"
        source = f"local {display.rstrip('/')}/{path.name}"
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError("no loader")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            raise RegistryError(f"cannot load local checks {source}: "
                                f"{type(exc).__name__}: {exc}") from None
        if hasattr(module, "CHECKS"):
            found.extend(_as_checks(module.CHECKS, source))
    return tuple(found)


def _as_checks(value: object, source: str) -> tuple[Check, ...]:
    if isinstance(value, Check):
        value = (value,)
    if not isinstance(value, list | tuple):
        raise RegistryError(f"{source}: expected a CHECKS sequence of checks, "
                            f"got {type(value).__name__}")
    checks = []
    for item in value:
        if not isinstance(item, Check):
            raise RegistryError(f"{source}: {item!r} is not a check "
                                "(decorate it with readiness.check)")
        checks.append(dataclasses.replace(item, source=source))
    return tuple(checks)
