"""The traffic analysis loads every module's facts without their data flow, and the flow of
only the modules a model call's result (or a request, or a log) reaches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from readiness.llmcalls import build_index
from readiness.llmcalls import traffic as traffic_
from readiness.llmcalls.traffic_facts import FLOW_KEYS, file_calls, file_traffic
from readiness.project import Project
from tests.conftest import MakeProject

# What only following values decides, beside what every walk records: a usage read whose
# default is a call (recorded as a call either way), a loop turn that carries spending into
# the next (walked twice with flow), a cap that stops a loop, results unpacked and kept on
# self, a log of the request, a try that answers another way, a lock held around the call.
FLOWING = '''\
import asyncio
import logging
from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI()
lock = asyncio.Semaphore(2)


def fallback():
    return {}


class Bot:
    def __init__(self, budget):
        self.budget = budget
        self.spent = 0

    def ask(self, prompt, *rest, **options):
        messages = [{"role": "user", "content": prompt}]
        log.info("asking %s", messages)
        spent = 0
        for turn in range(3):
            if spent >= self.budget:
                break
            try:
                response = client.chat.completions.create(model="m", messages=messages)
            except Exception:
                return fallback()
            usage = response.get("usage", fallback())
            spent += usage["total_tokens"]
            text, meta = split(response)
            self.spent += spent
            log.info("answer %s", text, extra={"request_id": response.id})
        return text, meta

    async def gated(self, coroutine):
        async with lock:
            return await coroutine


def split(response):
    return response.choices[0].message.content, response.usage
'''


def _own_sources() -> list[str]:
    root = Path(__file__).resolve().parents[1]
    return [p.read_text(encoding="utf-8") for folder in ("readiness", "checks", "tests")
            for p in sorted((root / folder).rglob("*.py"))]


def test_the_facts_without_flow_are_the_full_facts_less_the_flow() -> None:
    texts = [FLOWING, FLOWING.replace("    ", "\t"), "def broken(:\n", "", *_own_sources()]
    compared = 0
    for text in texts:
        full, light = file_traffic(text), file_calls(text)
        if full is None:
            assert light is None
            continue
        assert light is not None and not set(FLOW_KEYS) & set(light)
        assert light == {key: value for key, value in full.items() if key not in FLOW_KEYS}
        compared += 1
    assert compared > 100
    full = file_traffic(FLOWING)
    assert full is not None and full["roots"] and full["logs"] and full["req"] and full["stops"]
    # the usage read's default is a call the walk records with or without flow
    assert [row[2] for row in full["calls"]].count("fallback") == 2
    assert "response.get" in [row[2] for row in full["calls"]]


MODEL = '''\
from openai import OpenAI

client = OpenAI()


def ask(prompt):
    return client.chat.completions.create(model="m", messages=[
        {"role": "user", "content": prompt}]).choices[0].message.content
'''
VIEW = '''\
import logging

from app.llm import ask
from app.text import clean

log = logging.getLogger(__name__)


def view(question):
    answer = ask(clean(question))
    log.info("answer: %s", answer)
    return answer
'''
TEXT = '''\
def clean(question):
    return question.strip()
'''


def test_only_the_modules_a_flow_reaches_have_their_flow_read(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({"app/__init__.py": "", "app/llm.py": MODEL, "app/view.py": VIEW,
                         "app/text.py": TEXT})
    project = Project(root)
    asked: list[tuple[str, list[str]]] = []
    facts = project.facts

    def spy(files: Any, query: str, compute: Any, **options: Any) -> Any:
        files = list(files)
        asked.append((query, files))
        return facts(files, query, compute, **options)

    monkeypatch.setattr(project, "facts", spy)
    flows = traffic_.traffic(project, build_index(project).calls)
    sinks = [(s.path, s.line, s.kind) for site in flows.sites for s in flows.result_sinks(site)]
    guards = flows.guards()
    assert ("app/view.py", 11, "log") in sinks  # followed back into the caller, and logged
    assert guards == []
    # app/text.py is loaded (the caller's calls are resolved), but no value reaches it
    assert sorted(flows.facts) == ["app/llm.py", "app/text.py", "app/view.py"]
    assert sorted(flows.flows) == ["app/llm.py", "app/view.py"]
    assert all(not set(FLOW_KEYS) & set(f) for f in flows.facts.values())
    # the request is built by clean(question): is its parameter logged there? Its flow is
    # read now, and each module's once, however many questions reach it
    for _ in range(2):
        assert [flows.request_logs(site) for site in flows.sites] == [[]]
        assert [len(flows.result_sinks(site)) for site in flows.sites] == [len(sinks)]
    monkeypatch.undo()
    assert sorted(flows.flows) == ["app/llm.py", "app/text.py", "app/view.py"]
    flow_asks = [files for query, files in asked if query == traffic_.QUERY]
    assert sorted(f for files in flow_asks for f in files) == sorted(flows.flows)
    # the call site's own module is read with its flow at once: one walk, not two
    light_asks = [f for query, files in asked if query == traffic_.CALLS_QUERY for f in files]
    assert "app/llm.py" not in light_asks and "app/view.py" in light_asks


def test_files_calling_are_those_whose_text_calls_a_name(make_project: MakeProject) -> None:
    """A file that calls one of the names is listed; one that only defines it, names it
    without a call, or calls another name is not."""
    root = make_project({
        "app/sync.py": "from app.models import Feedback\n\n\ndef save(x):\n"
                       "    return Feedback(x)\n",
        "app/models.py": "class Feedback:\n    pass\n",
        "app/other.py": "from app.models import Feedback\n\nKIND = Feedback\nprint(KIND)\n",
    })
    project = Project(root, jobs=1)
    flows = traffic_.traffic(project, ())
    assert flows.files_calling({"Feedback"}) == ["app/sync.py"]
    assert flows.files_calling({"Missing"}) == []
