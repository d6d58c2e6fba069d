"""Import statements of the Python and JavaScript/TypeScript files, found by text.

A regex over the comment-blanked code around each ``import`` (and ``require(``), once per run;
Python imports inside triple-quoted strings (code shown as text, as in fixtures) are left out.
Each file's imports are kept between runs by ``Project.facts``.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from readiness.project.signals import (
    WINDOW,
    Blanked,
    blanked_source,
    blanked_texts,
    query_name,
    sources_by_kind,
    windows,
)
from readiness.project.snapshot import Gate
from readiness.project.sourcetext import Lang, Source, gate_words, holds_any, is_test_path

if TYPE_CHECKING:
    from readiness.project import Project


class Import(NamedTuple):
    path: str
    line: int
    module: str  # "openai", "langchain_openai", "@anthropic-ai/sdk"
    names: tuple[str, ...] = ()  # what a from-import brought in


_PY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([^)\n]*)"
                        r"|import[ \t]+([\w. \t,]+))", re.MULTILINE)
_JS_IMPORT = re.compile(r"""^[ \t]*import\s+(?:[\w*{}\s,]+?\s+from\s+)?["']([^"']+)["']"""
                        r"""|\brequire\(\s*["']([^"']+)["']\s*\)""", re.MULTILINE)


def imports(project: Project, require: Sequence[str] = ()) -> tuple[Import, ...]:
    """Import statements of the Python and JavaScript/TypeScript files (tests too), once per
    run: of every file, or only of files whose text holds one of ``require``."""
    key = f"signals.imports:{sorted(require)}"
    return project.shared(key, lambda p: _scan_imports(p, tuple(require)))


def _scan_imports(project: Project, require: tuple[str, ...]) -> tuple[Import, ...]:
    found: list[Import] = []
    for lang, scan in ((Lang.PYTHON, _python_imports), (Lang.JAVASCRIPT, _script_imports)):
        files = [s.path for s in sources_by_kind(project).get((lang, False), [])]
        query = query_name("signals.imports/1", lang.value, require)
        # a Python file without "import" (or without a required word) imports nothing
        gate = Gate(tuple(w for w in (_IMPORT, require) if w), ()) if lang is Lang.PYTHON \
            else None
        per_file = project.facts(files, query, functools.partial(
            scan, require=require, blanked=blanked_texts(project)), gate=gate)
        found += [Import(rel, *row) for rel, rows in per_file.items() for row in rows]
    return tuple(sorted(set(found)))


ImportRow = tuple[int, str, tuple[str, ...]]
_IMPORT = gate_words(("import",))  # in every Python import statement


def _python_imports(text: str, require: tuple[str, ...], blanked: Blanked | None = None
                    ) -> tuple[ImportRow, ...]:
    """(line, module, names) of each import statement of one Python file, leaving out
    those inside triple-quoted strings (code shown as text, as in fixtures)."""
    if not holds_any(text, _IMPORT) or (require and not holds_any(text, require)):
        return ()
    src = blanked_source(text, Lang.PYTHON, False, blanked)
    strings = _string_lines(src)
    firsts = [first for first, _last in strings]
    found: list[ImportRow] = []
    for start, end in windows(src.code, ("import",), 0):
        for m in _PY_IMPORT.finditer(src.code, start, end):
            line = src.line_at(m.start())
            inside = bisect.bisect_left(firsts, line) - 1  # the last string opening before
            if inside >= 0 and strings[inside][1] >= line:
                continue
            if m.group(1):
                names = tuple(n.split(" as ")[0].strip() for n in m.group(2).split(","))
                found.append((line, m.group(1), tuple(n for n in names if n)))
            else:
                for part in m.group(3).split(","):
                    module = part.split(" as ")[0].strip()
                    if module:
                        found.append((line, module, ()))
    return tuple(found)


def _script_imports(text: str, require: tuple[str, ...], blanked: Blanked | None = None
                    ) -> tuple[ImportRow, ...]:
    """(line, module, ()) of each import or require() of one JavaScript/TypeScript file."""
    if require and not holds_any(text, require):
        return ()
    if "import" not in text and "require(" not in text:
        return ()
    src = blanked_source(text, Lang.JAVASCRIPT, False, blanked)
    found: list[ImportRow] = []
    for start, end in windows(src.code, ("import", "require("), WINDOW):
        for m in _JS_IMPORT.finditer(src.code, start, end):
            module_at = m.start(1) if m.group(1) else m.start(2)
            found.append((src.line_at(module_at), m.group(1) or m.group(2), ()))
    return tuple(found)


_TRIPLE = re.compile(r"""("{3}|'{3})[\s\S]*?(?:\1|$)""")


def _string_lines(src: Source) -> list[tuple[int, int]]:
    """First and last lines of triple-quoted strings (code shown as text, as in fixtures)."""
    if '"""' not in src.code and "'''" not in src.code:
        return []
    return [(src.line_at(m.start()), src.line_at(m.end() - 1))
            for m in _TRIPLE.finditer(src.code)]


def imports_of(project: Project, *modules: str, tests: bool = False) -> list[Import]:
    """Imports of these modules or their submodules (``opentelemetry`` matches
    ``opentelemetry.sdk.trace``; ``langchain*`` any module starting so), outside tests
    unless asked."""
    exact = frozenset(m for m in modules if not m.endswith("*"))
    prefixes = tuple(m[:-1] for m in modules if m.endswith("*"))
    return [i for i in imports(project, import_words(*modules))
            if (tests or not is_test_path(i.path))
            and (_parents(i.module) & exact or (prefixes and i.module.startswith(prefixes)))]


def import_words(*modules: str) -> tuple[str, ...]:
    """The words without which a file cannot import one of ``modules`` (registered gate
    words: a module that asks ``imports_of`` about constant modules calls this with them
    where it defines them)."""
    # An import of a module names its first part: files without any are not read.
    roots = {re.split(r"[./*]", m.lstrip("@"))[0] for m in modules} - {""}
    # a short root ("ai", a JavaScript package; "lmi", paper-qa's LLM client) is in every
    # file: look for it quoted, or after Python's import or from, instead
    return gate_words(sorted(w for r in roots for w in (
        (r,) if len(r) >= 4 else (f"'{r}'", f'"{r}"', f"'{r}/", f'"{r}/', f"import {r}",
                                  f"from {r}"))))


def _parents(module: str) -> set[str]:
    """``a.b.c`` -> {a, a.b, a.b.c}; ``@scope/pkg/sub`` -> {@scope, @scope/pkg, ...}."""
    parts = re.split(r"([./])", module)
    return {"".join(parts[:i]) for i in range(1, len(parts) + 1, 2)}
