"""Building the index: the prefilter, the cache, parallel extraction, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness.llmcalls import CallSiteIndex, build_index, index
from readiness.llmcalls.facts import from_json, to_plain
from readiness.llmcalls.walker import extract
from readiness.project import Project
from readiness.project.cache import ContentCache, content_key, default_cache_dir
from tests.conftest import MakeProject
from tests.fixtures_llm import HARDENED_SERVICE, LANGCHAIN_BOT, PILOT_APP, table

CLIENT_MODULE = {
    "app/__init__.py": "",
    "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI(timeout=10)\n",
    # names no provider, imports the client from a project module
    "app/routes.py": '''\
from app.llm import client


def ask(question):
    return client.chat.completions.create(model="m", messages=[])
''',
    "app/unrelated.py": "def add(a, b):\n    return a + b\n",
}


def test_prefilter_still_analyses_a_file_importing_a_project_client(
        make_project: MakeProject) -> None:
    result = build_index(Project(make_project(CLIENT_MODULE)))
    assert table(result.calls) == [
        ("app/routes.py:5", "openai", "chat.completions.create", "ask", "app/llm.py:3",
         "app/llm.py:3", None, None, None),
    ]
    # llm.py names a provider; routes.py imports it; unrelated.py and the empty __init__
    # are never parsed
    assert (result.files_total, result.files_analysed, result.files_parsed) == (4, 2, 2)


# llm.py names the provider; each module above it imports the one below and hands the
# client on (through a package that re-exports it, once)
IMPORTER_CHAIN = {
    "app/__init__.py": "",
    "app/llm.py": "from openai import OpenAI\n\n\ndef make():\n    return OpenAI(timeout=10)\n",
    "app/services/__init__.py": "from .models import get_client\n",
    "app/services/models.py": "from app.llm import make\n\n\ndef get_client():\n"
                              "    return make()\n",
    "app/agent.py": "from app.services import get_client\n\n\ndef ask(q):\n"
                    "    return get_client().chat.completions.create(model='m', messages=[])\n"
                    "\n\ndef client():\n    return get_client()\n",
    "app/api.py": "from app.agent import client\n\n\ndef route(q):\n"
                  "    return client().chat.completions.create(model='m', messages=[])\n",
    "app/cli.py": "from app.api import route\n\n\ndef main():\n    return route('q')\n",
}


def test_a_call_two_importers_up_from_the_provider_module_is_found(
        make_project: MakeProject) -> None:
    """Must-fire: ``agent.py`` imports the client's getter from a package that re-exports
    it from ``models.py``, which imports ``llm.py``: the re-export costs no level, so the
    call in ``agent.py`` is two importers up from the provider's module, and found."""
    result = build_index(Project(make_project(IMPORTER_CHAIN)))
    assert [(f"{c.path}:{c.line}", c.client) for c in result.calls][:1] == [
        ("app/agent.py:5", "app/llm.py:5")]


def test_the_importers_followed_stop_two_levels_above_the_provider_module(
        make_project: MakeProject) -> None:
    """The bound (``RELEVANT_DEPTH``), as the README states it: ``api.py`` imports only
    ``agent.py``, three importers up, and is not analysed, so the client ``agent.py`` hands
    it is not followed there; nor is ``cli.py`` above it, nor the empty ``__init__.py``.
    On the 35 corpus apps, following every importer found no call site this bound misses."""
    result = build_index(Project(make_project(IMPORTER_CHAIN)))
    assert (result.files_total, result.files_analysed) == (7, 4)
    assert [f"{c.path}:{c.line}" for c in result.calls] == ["app/agent.py:5"]


def test_prefilter_follows_relative_and_package_imports(make_project: MakeProject) -> None:
    files = {
        "svc/__init__.py": "from .core.llm import llm\n",
        "svc/core/__init__.py": "",
        "svc/core/llm.py": "import anthropic\n\nllm = anthropic.Anthropic(timeout=5)\n",
        "svc/jobs/__init__.py": "",
        "svc/jobs/nightly.py": '''\
from .. import llm


def run():
    llm.messages.create(model="m", max_tokens=1, messages=[])
''',
    }
    result = build_index(Project(make_project(files)))
    assert [(f"{c.path}:{c.line}", c.client) for c in result.calls] == [
        ("svc/jobs/nightly.py:5", "svc/core/llm.py:3"),
    ]


def indexed(root: Path, cache_dir: Path | None, jobs: int | None = None) -> CallSiteIndex:
    """The index of ``root`` with per-file facts kept in ``cache_dir`` for the next call."""
    project = Project(root, cache_dir=cache_dir)
    result = build_index(project, jobs=jobs)
    project.save_facts()
    return result


def test_warm_run_parses_nothing_and_gives_the_same_index(make_project: MakeProject,
                                                          tmp_path: Path) -> None:
    root = make_project({**HARDENED_SERVICE, **LANGCHAIN_BOT})
    cache_dir = tmp_path / "cache"
    cold = indexed(root, cache_dir)
    assert cold.files_parsed == cold.files_analysed > 0
    assert cold.files_from_cache == 0
    warm = indexed(root, cache_dir)
    assert warm.files_parsed == 0
    assert warm.files_from_cache == cold.files_analysed
    assert warm.calls == cold.calls
    (stored,) = cache_dir.rglob("*.marshal")  # one store of per-file facts for the root
    assert stored.stat().st_size > 0


def test_a_changed_file_is_parsed_again_and_nothing_else(make_project: MakeProject,
                                                        tmp_path: Path) -> None:
    root = make_project(HARDENED_SERVICE)
    cache_dir = tmp_path / "cache"
    indexed(root, cache_dir)
    clients = root / "app/clients.py"
    clients.write_text(clients.read_text().replace("timeout=settings.llm_timeout_s,\n", ""))
    again = indexed(root, cache_dir)
    assert again.files_parsed == 1
    assert [c.timeout for c in again.calls] == [None, None]


def test_corrupt_cache_entries_are_recomputed(make_project: MakeProject, tmp_path: Path
                                             ) -> None:
    root = make_project(PILOT_APP)
    cache_dir = tmp_path / "cache"
    cold = indexed(root, cache_dir)
    for garbage in ([1, 2], {"calls": "not a list"}, None, 42):
        project = Project(root, cache_dir=cache_dir)
        (rel,) = [f for f in project.files if f.endswith(".py") and "openai" in
                  (project.text(f) or "")]
        project.remember_fact(rel, index.FACTS_QUERY, garbage)
        recovered = build_index(project)
        assert recovered.calls == cold.calls
        assert (recovered.files_parsed, recovered.files_from_cache) == (1, 0)
        project.save_facts()  # the parse replaced the garbage
        assert indexed(root, cache_dir).files_from_cache == 1
    (stored,) = cache_dir.rglob("*.marshal")
    stored.write_bytes(b"\x00 not a store")
    assert (indexed(root, cache_dir).files_parsed, indexed(root, cache_dir).files_from_cache) \
        == (1, 1)


def test_unwritable_cache_is_not_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project(PILOT_APP)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    result = indexed(root, blocked)
    assert len(result.calls) == 1 and result.files_parsed == 1


def test_no_cache_and_cache_inside_the_repository_write_nothing(make_project: MakeProject
                                                               ) -> None:
    root = make_project(PILOT_APP)
    before = sorted(p.name for p in root.rglob("*"))
    indexed(root, None)
    result = indexed(root, root / ".readiness-cache")
    assert result.files_from_cache == 0
    assert sorted(p.name for p in root.rglob("*")) == before


def test_default_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("READINESS_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "readiness"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "readiness"


def test_content_cache_round_trip_and_isolation_by_version(tmp_path: Path) -> None:
    first = ContentCache(tmp_path, "facts", "1")
    key = content_key("print('hi')\n")
    assert first.get(key) is None
    first.put(key, {"a": [1, 2]})
    assert first.get(key) == {"a": [1, 2]}
    assert ContentCache(tmp_path, "facts", "2").get(key) is None
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary files left behind


BROKEN = {
    "py2.py": "import openai\nprint 'hello'\n",
    "syntax.py": "from openai import OpenAI\ndef f(:\n",
    "nested.py": "import openai\n" + "".join("    " * i + "if x:\n" for i in range(100))
    + "    " * 100 + "pass\n",
    "long_chain.py": "import openai\nx = " + "+".join(["1"] * 3000) + "\n",
    "late_nul.py": "import openai\n" + "# padding\n" * 2000 + "x = 1\0\n",
    "early_nul.py": "import openai\0\n",
    "ok.py": "from openai import OpenAI\nOpenAI().chat.completions.create(model='m')\n",
}


def test_unparsable_files_are_listed_not_fatal(make_project: MakeProject) -> None:
    result = build_index(Project(make_project(BROKEN)))
    # early_nul.py is binary to the project (a NUL byte near the start): never analysed
    assert result.unparsable == ("late_nul.py", "long_chain.py", "nested.py", "py2.py",
                                 "syntax.py")
    assert [(c.path, c.line, c.function) for c in result.calls] == [("ok.py", 2, None)]


def test_unparsable_files_are_cached_as_such(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project(BROKEN)
    cold = indexed(root, tmp_path / "c")
    warm = indexed(root, tmp_path / "c")
    assert warm.unparsable == cold.unparsable
    assert warm.files_parsed == 0


def test_parallel_extraction_gives_the_serial_result(make_project: MakeProject,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    files = {f"svc{i}/agent.py": HARDENED_SERVICE["app/llm.py"].replace("app.", f"svc{i}.")
             for i in range(12)}
    files.update({f"svc{i}/clients.py": HARDENED_SERVICE["app/clients.py"].replace(
        "app.", f"svc{i}.") for i in range(12)})
    root = make_project(files)
    serial = build_index(Project(root), jobs=1)
    batches: list[int] = []
    rows: list[tuple[str, object]] = []
    pool_extract = index._Scan._extract_parallel

    def spy(scan: index._Scan, items: list[tuple[str, str]]) -> list[tuple[str, object]] | None:
        batches.append(len(items))
        done = pool_extract(scan, items)
        rows.extend(done or [])
        return done

    monkeypatch.setattr(index, "PARALLEL_THRESHOLD", 4)
    monkeypatch.setattr(index._Scan, "_extract_parallel", spy)
    parallel = indexed(root, tmp_path / "cache", jobs=2)
    assert batches == [24]
    # encoded by the workers as the store keeps them: this process decodes, not encodes
    assert len(rows) == 24 and all(isinstance(data, bytes) for _, data in rows)
    assert parallel.calls == serial.calls
    assert len(parallel.calls) == 24
    # the workers filled the cache
    warm = indexed(root, tmp_path / "cache", jobs=2)
    assert (warm.files_parsed, warm.files_from_cache) == (0, 24)
    assert warm.calls == serial.calls


_EVERY_RECORD = """
import asyncio, openai

client = openai.AsyncOpenAI(timeout=30)
settings = {"model": "gpt-4o"}


class Agent(Base):
    retries = 3

    def __init__(self):
        self.client = client

    async def ask(self, question):
        for attempt in range(self.retries):
            try:
                async with asyncio.timeout(20):
                    reply = await self.client.chat.completions.create(
                        model=settings["model"], messages=[{"role": "user", "content": question}])
                return reply.choices[0].message.content
            except (openai.APITimeoutError, KeyError):
                await asyncio.sleep(2 ** attempt)
        raise RuntimeError("no answer")


openai.api_base = "http://localhost:8000/v1"
cache.set("agent", Agent())

if __name__ == "__main__":
    asyncio.run(Agent().ask("hi"))
"""


def test_facts_are_plain_values_that_survive_the_store() -> None:
    import marshal

    for source in (HARDENED_SERVICE["app/llm.py"], _EVERY_RECORD):
        facts = extract(source)
        assert facts is not None
        plain = to_plain(facts)
        assert json.loads(json.dumps(plain)) == plain  # lists, str keys: no tuple anywhere
        assert marshal.loads(marshal.dumps(plain)) == plain  # as the store keeps it
        assert from_json(plain) == facts
    facts = extract(_EVERY_RECORD)
    assert facts is not None
    assert facts.defs and facts.classes and facts.tries and facts.calls and facts.withs
    assert facts.setattrs and facts.mains and facts.stores and facts.globals
    assert extract("def f(:\n") is None


def test_an_awaited_call_bound_to_a_name_is_referred_to_not_copied() -> None:
    """``x = await f(...)`` then ``g(x)``: the term of ``g``'s argument is a reference to
    the recorded call, as for ``x = f(...)``: copied at every use, the terms of async code
    that passes each result on grew with every step (skyvern 1.0.56: 132 KB for one
    ``LOG.error`` call)."""
    steps = "\n".join(f"    r{i} = await agent.step(r{i - 1}, first=r{i - 1}, again=r{i - 1})"
                      for i in range(1, 12))
    source = (f"import openai\nagent = Agent()\n\nasync def run(r0):\n{steps}\n"
              "    return await agent.finish(r11)\n")
    facts = extract(source)
    assert facts is not None
    last = facts.calls[-1]
    assert last.line == 16 and last.expr[2] == [["ref", 10]]
    assert facts.calls[10].line == 15  # r11's call
    assert len(json.dumps(to_plain(facts))) < 20_000  # grows with the steps, not 3 ** steps


def test_large_real_code_is_analysed_in_linear_time(make_project: MakeProject) -> None:
    """The standard library's email package (classes whose attributes and methods refer to
    each other) once took exponential time to resolve; every file analysed, none crashes."""
    package = Path(json.__file__).parent.parent / "email"
    files = {f"email_copy/{p.relative_to(package).as_posix()}":
             "import openai\n" + p.read_text(encoding="utf-8")
             for p in sorted(package.rglob("*.py"))}
    result = build_index(Project(make_project(files)))
    assert result.files_analysed == len(files) > 20
    assert result.calls == () and result.unparsable == ()


def test_a_module_walk_leaves_no_cycle_for_the_collector() -> None:
    # the walker, its encoder and its scope tree are freed as soon as the facts are made:
    # an encoder that referred back to its walker kept every module's walk alive until a
    # garbage collection found it (skyvern's 1,490 modules: 7.0 s -> 9.1 s)
    import gc

    from readiness.llmcalls.walker import extract

    source = ("from openai import OpenAI\n\nclient = OpenAI(timeout=5)\n\n\n"
              "def ask(prompt, **extra):\n    options = {'model': 'm'}\n"
              "    options[extra.get('key', 'k')] = prompt\n"
              "    return client.chat.completions.create(**options, messages=[prompt])\n")
    gc.collect()
    gc.disable()
    try:
        assert extract(source) is not None
        assert gc.collect() == 0
    finally:
        gc.enable()
