"""The traffic analysis has the workers compute the modules it will read one at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from readiness.checks.infrastructure import llmtraffic

from readiness.config import load_config
from readiness.llmcalls import build_index
from readiness.llmcalls import traffic as traffic_
from readiness.llmcalls.traffic import Traffic
from readiness.project import Project, workers
from tests.conftest import MakeProject
from tests.warm import queries_answered, with_workers

ASK = """\
from openai import OpenAI

client = OpenAI()


def ask(prompt):
    return client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": prompt}]).choices[0].message.content
"""


def app_files(helpers: int) -> dict[str, str | bytes]:
    """A view that calls the model through ``ask`` and a helper from each of ``helpers``
    modules (imported both ways: ``from m import f`` and ``import m``), one of which
    logs the answer; plus a module that defines a function the view calls by itself."""
    imports = "\n".join(f"from app.helpers import h{i}" if i % 2 else
                        f"from app.helpers.h{i} import run{i}" for i in range(helpers))
    calls = "\n".join(f"    h{i}.run{i}(answer)" if i % 2 else f"    run{i}(answer)"
                      for i in range(helpers))
    files: dict[str, str | bytes] = {
        "app/__init__.py": "", "app/helpers/__init__.py": "", "app/llm.py": ASK,
        "app/view.py": (f"from app.llm import ask\n{imports}\n\n\ndef local(x):\n"
                        f"    return x\n\n\ndef view(question):\n    answer = ask(question)\n"
                        f"    local(answer)\n{calls}\n    return answer\n"),
    }
    for i in range(helpers):
        body = "    log.info(text)\n" if i == 3 else "    return text.strip()\n"
        files[f"app/helpers/h{i}.py"] = (f"import logging\nlog = logging.getLogger()\n\n\n"
                                         f"def run{i}(text):\n{body}")
    return files


def analysed(root: Path, *, prefetch: bool, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[Traffic, list[tuple[list[str], bool]], list[list[str]]]:
    """The traffic of ``root`` after following every call site's result, the files asked
    for (and whether at once, by a prefetch) and those read into the analysis."""
    project = Project(root)
    asked: list[tuple[list[str], bool]] = []  # (files, prefetched)
    facts, keep = project.facts, project.prefetch

    def spy(files: Any, query: str, compute: Any, *, costly: bool = False) -> Any:
        files = list(files)
        if query.startswith("llmcalls.traffic/"):
            asked.append((files, False))
        return facts(files, query, compute, costly=costly)

    def spy_prefetch(files: Any, query: str, compute: Any) -> None:
        files = list(files)
        asked.append((files, True))
        keep(files, query, compute)

    monkeypatch.setattr(project, "facts", spy)
    monkeypatch.setattr(project, "prefetch", spy_prefetch)
    if not prefetch:
        monkeypatch.setattr(Traffic, "_prefetch", lambda self, batch: None)
    loaded: list[list[str]] = []
    load = Traffic._load

    def loading(self: Traffic, paths: list[str]) -> bool:
        todo = [p for p in paths if p not in self.facts and p not in self._unreadable]
        if todo:
            loaded.append(todo)
        return load(self, paths)

    monkeypatch.setattr(Traffic, "_load", loading)
    flows = traffic_.traffic(project, build_index(project).calls)
    for site in flows.sites:
        flows.result_sinks(site)
    flows.guards()
    monkeypatch.undo()
    return flows, asked, loaded


def test_the_modules_read_one_by_one_were_computed_in_one_prefetch_first(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(app_files(10))
    flows, asked, loaded = analysed(root, prefetch=True, monkeypatch=monkeypatch)
    at_once = [files for files, prefetched in asked if prefetched and files]
    assert len(at_once) == 1
    helpers = sorted(f"app/helpers/h{i}.py" for i in range(10))
    assert sorted(at_once[0]) == helpers  # every helper, not the local function's own file
    one_by_one = [todo[0] for todo in loaded if len(todo) == 1 and todo[0] in helpers]
    assert one_by_one == at_once[0]  # read in the order they were computed
    sinks = [s for site in flows.sites for s in flows.result_sinks(site)]
    assert ("app/helpers/h3.py", 6, "log") in [(s.path, s.line, s.kind) for s in sinks]


def test_prefetching_changes_nothing_the_analysis_finds(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(app_files(12))
    with_prefetch, _, loaded = analysed(root, prefetch=True, monkeypatch=monkeypatch)
    without, asked, loaded_alone = analysed(root, prefetch=False, monkeypatch=monkeypatch)
    assert not [files for files, prefetched in asked if prefetched and files]
    assert loaded == loaded_alone  # the same files read, in the same order
    assert with_prefetch.facts == without.facts
    assert with_prefetch._callers == without._callers
    assert ([with_prefetch.result_sinks(s) for s in with_prefetch.sites]
            == [without.result_sinks(s) for s in without.sites])


def test_the_prefetch_stops_where_the_reading_budget_does(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five views call the model, each with three helpers of its own. With a budget of
    four modules beyond the files read first, indexing the callers reads the first view's
    helpers (6 < 10), then the second's (9 < 10, all three), and no more: the same six are
    computed at once."""
    monkeypatch.setattr(traffic_, "MAX_TARGET_FILES", 4)
    files: dict[str, str | bytes] = {"app/__init__.py": "", "app/helpers/__init__.py": "",
                                     "app/llm.py": ASK}
    for v in range(5):
        names = [f"h{v}{i}" for i in range(3)]
        files[f"app/v{v}.py"] = (
            "from app.llm import ask\n"
            + "".join(f"from app.helpers.{n} import run_{n}\n" for n in names)
            + "\n\ndef view(q):\n    a = ask(q)\n"
            + "".join(f"    run_{n}(a)\n" for n in names))
        for n in names:
            files[f"app/helpers/{n}.py"] = f"def run_{n}(text):\n    return text\n"
    root = make_project(files)
    _, asked, loaded = analysed(root, prefetch=True, monkeypatch=monkeypatch)
    at_once = [files for files, prefetched in asked if prefetched and files]
    read = [todo[0] for todo in loaded if len(todo) == 1 and "/helpers/" in todo[0]]
    first = [f"app/helpers/h{v}{i}.py" for v in (0, 1) for i in range(3)]
    assert at_once == [first] and read[:6] == first
    # the others are read later, when the answer is followed into them (no budget there)
    assert sorted(read[6:]) == [f"app/helpers/h{v}{i}.py" for v in (2, 3, 4) for i in range(3)]


def test_a_method_guessed_by_name_does_not_depend_on_what_was_loaded_before(
        make_project: MakeProject) -> None:
    """A call ``x.save(answer)`` on an object the analysis cannot place is guessed to run
    the methods called ``save`` only when at most three production files define one; what
    another check's analysis loaded before (in its thread) must not change the guess
    (graphiti's response log was a Neo4j query's error log in one run, Neptune's in the
    next)."""
    definers = {f"app/store{i}.py": ("import logging\nlog = logging.getLogger()\n\n\n"
                                     f"class Store{i}:\n    def save(self, text):\n"
                                     "        log.info(text)\n") for i in range(4)}
    root = make_project({"app/__init__.py": "", "app/llm.py": ASK, **definers,
                         "app/view.py": ("from app.llm import ask\n\n\n"
                                         "def view(question, sink):\n"
                                         "    answer = ask(question)\n"
                                         "    sink.save(answer)\n    return answer\n")})
    project = Project(root)
    flows = traffic_.traffic(project, build_index(project).calls)
    before = flows._targets("app/view.py", "view", "sink.save")
    flows.load(["app/store0.py"])  # as another analysis might have
    assert flows._targets("app/view.py", "view", "sink.save") == before == []


def test_the_names_every_file_calls_are_read_in_the_idle_moments(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """request-logging's ``prepare`` hook sends the names every Python file calls as idle
    tasks; the traffic analysis then finds them there: the same names as one process
    reads, and none of the files sent for them again."""
    monkeypatch.setattr(workers, "MIN_FILES", 8)
    root = make_project(app_files(10))
    alone = Project(root, jobs=1)
    expected = alone.facts(traffic_.python_files(alone), traffic_.CALLED_QUERY,
                           traffic_.called_names)
    project = with_workers(root)
    sent = queries_answered(project)
    try:
        llmtraffic.traffic_later(project, load_config(root))
        assert traffic_.CALLED_QUERY in project._later
        flows = traffic_.traffic(project, build_index(project).calls)
        assert flows._names() == expected and len(expected) == 14
        assert traffic_.CALLED_QUERY not in sent  # taken from the idle tasks
        assert traffic_.CALLED_QUERY not in project._later
    finally:
        project.close()
