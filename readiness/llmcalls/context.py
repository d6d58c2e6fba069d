"""Is a call site production code? Tests, eval harnesses, examples, scripts and
``if __name__ == "__main__":`` demos call models too, but never decide a per-call check.

Decided by where the code lives (folders and file names as teams lay them out) and, for a
demo, by the ``__main__`` block around the line. A client pointed at localhost is a test
double wherever it is (``readiness.llmcalls.index``).
"""

from __future__ import annotations

import re

from readiness.llmcalls.modules import ModuleMap
from readiness.project.sourcetext import is_test_path

CONTEXTS = ("production", "test", "eval", "example", "script", "demo")
_EVAL_DIRS = frozenset({"eval", "evals", "evaluation", "evaluations", "benchmark", "benchmarks",
                        "bench", "evaluate"})
_EXAMPLE_DIRS = frozenset({"example", "examples", "demo", "demos", "sample", "samples",
                           "cookbook", "cookbooks", "tutorial", "tutorials", "docs", "doc",
                           "notebooks", "playground"})
_SCRIPT_DIRS = frozenset({"scripts", "script"})
_EVAL_PREFIXES = ("eval_", "evals_", "evaluation_")  # cognee's eval_framework/


def context_of(path: str, line: int, mains: list[list[int]],
               commands: frozenset[str] = frozenset()) -> str:
    """``production``, ``test``, ``eval``, ``example``, ``script`` or ``demo``. A module a
    console command runs (``commands``, from the package's entry points) is production
    wherever it lives."""
    if path in commands:
        return "production"
    if is_test_path(path):
        return "test"
    folders = {part.lower() for part in path.split("/")[:-1]}
    name = path.rsplit("/", 1)[-1].lower()
    if folders & _EVAL_DIRS or name.startswith(("eval_", "evaluate", "benchmark")) or any(
            folder.startswith(_EVAL_PREFIXES) for folder in folders):
        return "eval"
    if folders & _EXAMPLE_DIRS or name.startswith(("example", "demo")):
        return "example"
    if path.split("/", 1)[0].lower() in _SCRIPT_DIRS:
        return "script"  # a top-level scripts/ folder (inside a package it is shipped code)
    if any(first <= line <= last for first, last in mains):
        return "demo"
    return "production"


_ENTRY = re.compile(r"^\s*[\w.-]+\s*=\s*[\"']?([\w.]+)\s*:", re.M)


def command_modules(texts: dict[str, str], modules: ModuleMap) -> frozenset[str]:
    """Files that console commands run, from ``[project.scripts]`` in pyproject.toml,
    ``console_scripts`` in setup.cfg or a wheel's ``entry_points.txt`` (``name =
    module.path:function``): the modules named, found among the project's files."""
    found = set()
    for text in texts.values():
        for module in _ENTRY.findall(text):
            target = modules.resolve("", 0, module)
            if target is not None:
                found.add(target)
    return frozenset(found)
