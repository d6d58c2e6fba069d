"""Is a call site production code? Tests, eval harnesses, examples, scripts and
``if __name__ == "__main__":`` demos call models too, but never decide a per-call check.

Decided by where the code lives (folders and file names as teams lay them out) and, for a
demo, by the ``__main__`` block around the line. A client pointed at localhost is a test
double wherever it is (``readiness.llmcalls.index``).
"""

from __future__ import annotations

from readiness.project.sourcetext import is_test_path

CONTEXTS = ("production", "test", "eval", "example", "script", "demo")
_EVAL_DIRS = frozenset({"eval", "evals", "evaluation", "evaluations", "benchmark", "benchmarks",
                        "bench", "evaluate"})
_EXAMPLE_DIRS = frozenset({"example", "examples", "demo", "demos", "sample", "samples",
                           "cookbook", "cookbooks", "tutorial", "tutorials", "docs", "doc",
                           "notebooks", "playground"})
_SCRIPT_DIRS = frozenset({"scripts", "script"})


def context_of(path: str, line: int, mains: list[list[int]]) -> str:
    """``production``, ``test``, ``eval``, ``example``, ``script`` or ``demo``."""
    if is_test_path(path):
        return "test"
    folders = {part.lower() for part in path.split("/")[:-1]}
    name = path.rsplit("/", 1)[-1].lower()
    if folders & _EVAL_DIRS or name.startswith(("eval_", "evaluate", "benchmark")):
        return "eval"
    if folders & _EXAMPLE_DIRS or name.startswith(("example", "demo")):
        return "example"
    if folders & _SCRIPT_DIRS:
        return "script"
    if any(first <= line <= last for first, last in mains):
        return "demo"
    return "production"
