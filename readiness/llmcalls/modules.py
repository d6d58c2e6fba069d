"""Which project file an import statement names, without reading any file.

An absolute import ``a.b`` is looked for in the importing file's folder and each folder above
it (a script's folder is on ``sys.path``; so is the root of a service inside a monorepo),
then in ``src/``, leaving out the folders of packages (those with an ``__init__.py``): inside
a package, ``from agents import Agent`` names a top-level ``agents``, not the package's own
``agents.py``, which Python 3 imports only as ``from .agents`` or ``from pkg.agents``.
Well-known external packages (the standard library, model SDKs and the like) are never taken
for project modules, even when a project file has the same name (a ``providers/openai.py``
that itself does ``import openai``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from sys import intern
from typing import Any

from readiness.llmcalls.sdk import EXTERNAL_ROOTS, PROVIDER_ROOTS
from readiness.project.sourcetext import AtLineStart

# Import statements found by text, for files the prefilter has not let through yet.
# (the indent possessive: a keyword follows it, so giving back a blank never helps, and a
# line that is no import fails at once instead of once per blank: Home Assistant's 6,725
# files 0.16 -> 0.10 s)
_IMPORT = AtLineStart(r"[ \t]*+(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
                      r"|import[ \t]+([^\n#;]*))")


class ModuleMap:
    """Resolves imports to project files (paths relative to the root, ``.py``)."""

    def __init__(self, files: frozenset[str]) -> None:
        self.files = files
        self._memo: dict[tuple[str, int, str], str | None] = {}
        # a top-level project package named like a standard library module shadows it
        tops = {f.split("/")[-2] if f.endswith("/__init__.py") else f[:-3]
                for f in files if f.count("/") <= 1 or f.startswith("src/")}
        self.external = EXTERNAL_ROOTS - (tops - PROVIDER_ROOTS)
        # the names project modules are imported by: ``c`` for a/b/c.py and a/b/c/__init__.py
        self._stems = frozenset(stem(f) for f in files)

    def resolve(self, importer: str, level: int, module: str) -> str | None:
        """The project file a (possibly relative) import names, or None if external."""
        return self._resolve_in(posixpath.dirname(importer), level, module)

    def _resolve_in(self, folder: str, level: int, module: str) -> str | None:
        key = (folder, level, module)
        if key not in self._memo:
            self._memo[key] = self._find(folder, level, module)
        return self._memo[key]

    def submodule(self, package: str, name: str) -> str | None:
        """``package/name.py`` (or a subpackage) when ``package`` is an ``__init__.py``."""
        if not package.endswith("__init__.py"):
            return None
        return self.resolve(package, 1, name)

    def imported_files(self, importer: str, imports: Sequence[Sequence[Any]]) -> set[str]:
        """Project files named by a module's import records ``[level, module, names]``."""
        folder = posixpath.dirname(importer)
        found: set[str] = set()
        for level, module, names in imports:
            if level == 0 and module.partition(".")[0] in self.external:
                continue  # the common case, decided without building a memo key
            target = self._resolve_in(folder, level, module)
            if target:
                found.add(target)
                if names and target.endswith("__init__.py"):
                    for name in names:
                        sub = self.submodule(target, name)
                        if sub:
                            found.add(sub)
        return found

    @staticmethod
    def may_name(imports: Sequence[Sequence[Any]], names: AbstractSet[str]) -> bool:
        """Can one of these import records name a project file that other modules import
        by one of ``names`` (its ``stem``)? False only when ``imported_files`` could find
        none of them: a file found for ``module`` is called by its last part, a submodule
        found for a listed name by that name, and only ``from . import`` (no module)
        names a package by its folder. A few set look-ups per record, where
        ``imported_files`` resolves each one (Home Assistant: 6,700 files, 0.4 s)."""
        for level, module, listed in imports:
            if not module:
                if level:
                    return True
                continue
            if module.rpartition(".")[2] in names or (listed and not names.isdisjoint(listed)):
                return True
        return False

    def _find(self, folder: str, level: int, module: str) -> str | None:
        rel = module.replace(".", "/")
        if level == 0:
            if not module or module.split(".")[0] in self.external:
                return None
            if rel.rpartition("/")[2] not in self._stems:
                return None  # no project module has that name: a third-party import
            for base in (*_ancestors(folder), "src"):  # the nearest folder that has it
                if base and f"{base}/__init__.py" in self.files:
                    continue  # a package's folder is not on sys.path: its modules are
                    # imported by the package's name (or relatively), not by their own
                stem = f"{base}/{rel}" if base else rel
                for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
                    if candidate in self.files:
                        return candidate
            return None
        else:
            base = folder
            for _ in range(level - 1):
                if not base:
                    return None
                base = posixpath.dirname(base)
            bases = [base]
        for base in bases:
            stem = posixpath.join(base, rel) if rel else base
            candidates = [f"{stem}.py"] if rel else []
            candidates.append(posixpath.join(stem, "__init__.py"))
            for candidate in candidates:
                if candidate in self.files:
                    return candidate
        return None



def import_records(text: str) -> list[tuple[Any, ...]]:
    """The ``(level, module, names)`` import records of a module, read from its text with a
    regular expression (no parse): a function of the text alone. Names are interned, and
    stay shared when the records are stored and read back: a big project's files import
    the same few hundred modules (Home Assistant: 6,700 files' records, 17 MB -> 9 MB)."""
    records: list[tuple[Any, ...]] = []
    for source, names, plain in _IMPORT.findall(text):
        if not source:
            records.extend((0, intern(part.split()[0]), None) for part in plain.split(",")
                           if part.strip())
            continue
        module = source.lstrip(".")
        listed = tuple(intern(n.split()[0]) for n in names.strip("()").split(",") if n.strip())
        records.append((len(source) - len(module), intern(module), listed))
    return records


def _ancestors(folder: str) -> Iterator[str]:
    while folder:
        yield folder
        folder = posixpath.dirname(folder)
    yield ""


def stem(path: str) -> str:
    """The name other modules import a file by: ``llm`` for app/llm.py or app/llm/__init__.py."""
    name = posixpath.basename(path)[:-3]
    if name == "__init__":
        name = posixpath.basename(posixpath.dirname(path))
    return name
