"""Which project modules a module runs: the project files it imports, directly or through
other project files, read from each file's import statements (no parse). The call-site index
reads the same statements of every Python file first (its glance), so following imports from
a few modules reads nothing new. Also the modules the package's console commands run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

from readiness.llmcalls.context import command_modules
from readiness.llmcalls.modules import ModuleMap, import_records, stem
from readiness.llmcalls.sdk import names_a_provider
from readiness.project import Project

# Bump when the index's facts change shape or meaning: old cache entries are then never read.
ANALYZER_VERSION = f"49-py{sys.version_info[0]}{sys.version_info[1]}"
GLANCE_QUERY = f"llmcalls.glance/{ANALYZER_VERSION}"

Glance = tuple[bool, list[tuple[Any, ...]]]


def glance_at(text: str) -> Glance:
    """Does the text name a provider, and the import records read from it (no parse)."""
    return names_a_provider(text), import_records(text)


def module_map(project: Project) -> ModuleMap:
    """The project's Python files, by the names imports give them (one map per run)."""
    return project.shared("llmcalls.modules", lambda p: ModuleMap(
        frozenset(f for f in p.files if f.endswith(".py"))))


def command_files(project: Project) -> frozenset[str]:
    """The modules the package's console commands run (``[project.scripts]``,
    ``console_scripts``, a wheel's ``entry_points.txt``)."""
    return project.shared("llmcalls.commands", lambda p: command_modules(
        _entry_point_texts(p), module_map(p)))


def _entry_point_texts(project: Project) -> dict[str, str]:
    """The files that declare console commands (the top level and one folder down)."""
    texts = {}
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        if rel.count("/") <= 1 and name in ("pyproject.toml", "setup.cfg", "entry_points.txt"):
            text = project.text(rel)
            if text is not None:
                texts[rel] = text
    return texts


def reached(project: Project, starts: Iterable[str]) -> frozenset[str]:
    """``starts`` and every project module they import, directly or through others."""
    modules = module_map(project)
    seen = {rel for rel in starts if rel in modules.files}
    frontier = sorted(seen)
    while frontier:
        records = project.facts(frontier, GLANCE_QUERY, glance_at)
        following: set[str] = set()
        for rel in frontier:
            found = records.get(rel)
            if found is None:
                continue
            following |= modules.imported_files(rel, found[1]) - seen
        seen |= following
        frontier = sorted(following)
    return frozenset(seen)


def run_together(project: Project, modules: Iterable[str], others: Iterable[str]
                 ) -> set[str]:
    """Those of ``modules`` that some project module imports together with one of
    ``others``, directly or through other modules (one importing the other counts). Code
    loaded by name at run time (a plugin registry, Home Assistant's integrations) is not
    seen. Reads the import statements of every Python file (the call-site index has read
    them already), and resolves only those that may name a module met on the way.

    Walks up the imports, from ``others`` to every module importing one of them (``near``),
    then from each of ``modules`` until it meets one of those, resolving each module's
    imports once for all the walks. (Resolving them again in each walk made 929,000
    resolutions and 25 s for 380 files on the 35 corpus apps side by side.)"""
    files = module_map(project).files
    records = project.facts(sorted(files), GLANCE_QUERY, glance_at)
    naming: dict[str, set[str]] = {}  # a module's name -> the files whose imports say it
    for rel, (_provider, imports) in records.items():
        for level, module, names in imports:
            naming.setdefault(module.rpartition(".")[2] or _package(rel, level), set()).add(rel)
            for name in names or ():
                naming.setdefault(name, set()).add(rel)
    resolver = ModuleMap(files)  # its memo is dropped with it
    resolved: dict[str, set[str]] = {}

    def importers(target: str) -> Iterator[str]:
        """The modules importing ``target`` (each one's imports resolved once)."""
        for rel in naming.get(stem(target), ()):
            found = resolved.get(rel)
            if found is None:
                found = resolved[rel] = resolver.imported_files(rel, records[rel][1])
            if target in found:
                yield rel

    near = set(others)
    todo = list(near)
    while todo:  # the modules importing one of ``others``, directly or not
        for rel in importers(todo.pop()):
            if rel not in near:
                near.add(rel)
                todo.append(rel)

    def meets_near(start: str) -> bool:
        """Does ``start``, or a module importing it directly or not, belong to ``near``?"""
        seen, todo = {start}, [start]
        while todo:
            for rel in importers(todo.pop()):
                if rel in near:
                    return True
                if rel not in seen:
                    seen.add(rel)
                    todo.append(rel)
        return False

    return {rel for rel in modules if rel in near or meets_near(rel)}


def _package(importer: str, level: int) -> str:
    """The name of the package ``from . import x`` (``level`` dots) in ``importer`` runs:
    ``svc`` for ``app/svc/worker.py`` and one dot."""
    folder = importer
    for _ in range(level):
        if not folder:
            break  # more dots than folders (the text decides how many): no package
        folder = folder.rpartition("/")[0]
    return folder.rpartition("/")[2]
