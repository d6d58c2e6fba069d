"""Benchmark the LLM call-site index and the whole scan on a generated 5,000-file repository.

Usage::

    python bench/bench_scan.py [--files 5000] [--llm 300] [--keep DIR] [--git]

Generates a repository of ordinary Python modules with a few hundred that call models
(OpenAI, Anthropic, LangChain, litellm, Bedrock, raw HTTP) and a few hundred more that use
those through project imports, then measures, each in a fresh subprocess so that peak
memory is separate:

* floor: read and ``ast.parse`` every ``.py`` file once, in one process;
* cold:  ``Project(root)`` + ``build_index`` with an empty cache directory;
* warm:  the same with the cache filled by the cold run;
* cold serial: cold with ``jobs=1`` (no process pool), for comparison;
* the whole ``readiness check`` (every built-in check, JSON output), cold and warm, timed
  from before ``readiness.cli`` is imported (interpreter start-up excluded).

Targets, for the index and for the whole scan: cold <= floor, warm < floor / 4, peak RSS
< 150 MB. The exit code is 0 when the whole scan meets them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# --- repository generation -----------------------------------------------------------------

def _ordinary(rng: random.Random, index: int, package: str) -> str:
    """An ordinary module: dataclasses, a service class, helpers, some HTTP to internal APIs."""
    lines = [
        f'"""Module {index}: business logic of {package}."""',
        "",
        "from __future__ import annotations",
        "",
        "import json",
        "import logging",
        "import time",
        "from dataclasses import dataclass, field",
        "from typing import Any",
        "",
    ]
    if rng.random() < 0.3:
        lines += ["import requests", ""]
    lines += ["log = logging.getLogger(__name__)", f"TABLE = 'table_{index}'", ""]
    for c in range(rng.randint(1, 4)):
        name = f"Record{index}_{c}"
        lines += ["", "@dataclass", f"class {name}:", "    id: int", "    name: str = ''",
                  "    tags: list[str] = field(default_factory=list)", "",
                  "    def to_json(self) -> str:",
                  "        return json.dumps({'id': self.id, 'tags': self.tags})",
                  "", "    def create(self, **fields: Any) -> dict[str, Any]:",
                  "        data = {**self.__dict__, **fields}",
                  "        log.info('creating %s', data)",
                  "        return data", ""]
    for f in range(rng.randint(3, 14)):
        body = rng.choice([
            ["    total = 0", "    for item in items:",
             "        if item.get('active'):", "            total += item.get('value', 0)",
             "        else:", "            log.debug('skip %s', item)", "    return total"],
            ["    result = {}", "    for key, value in sorted(mapping.items()):",
             "        result[key.lower()] = [v for v in value if v]",
             "    return {k: len(v) for k, v in result.items()}"],
            ["    for attempt in range(3):", "        try:",
             "            return json.loads(payload)", "        except ValueError:",
             "            time.sleep(0.01 * attempt)", "    return None"],
            ["    text = ' '.join(str(p) for p in parts)",
             "    return f'{TABLE}: {text[:80]}'.strip()"],
        ])
        args = {"items": "items: list[dict[str, Any]]", "mapping": "mapping: dict[str, list[Any]]",
                "payload": "payload: str", "parts": "parts: list[Any]"}
        used = [a for a in args if any(a in line for line in body)]
        lines += ["", f"def helper_{index}_{f}({', '.join(args[a] for a in used)}) -> Any:",
                  f'    """Helper {f}."""', *body, ""]
    if "import requests" in lines:
        lines += ["", "def fetch_status(ref: str) -> dict[str, Any]:",
                  "    response = requests.get(f'https://status.internal.example.com/v1/{ref}',",
                  "                            timeout=5)",
                  "    response.raise_for_status()", "    return response.json()", ""]
    return "\n".join(lines) + "\n"


_CLIENTS = '''\
"""Model clients for {package}."""

from functools import lru_cache

import anthropic
from openai import OpenAI

TIMEOUT_S = 30


@lru_cache(maxsize=1)
def get_openai() -> OpenAI:
    return OpenAI(timeout=TIMEOUT_S, max_retries=3)


claude = anthropic.Anthropic(timeout=TIMEOUT_S)
'''

_CALLERS = [
    '''\
"""Summaries with OpenAI."""

from tenacity import retry, stop_after_attempt, wait_exponential

from {package}.llm_clients import get_openai
from {package}.schemas import Summary


@retry(stop=stop_after_attempt(3), wait=wait_exponential())
def summarize_{i}(text: str) -> str:
    response = get_openai().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "user", "content": text}}],
        response_format={{"type": "json_object"}},
    )
    return response.choices[0].message.content or "{{}}"


def parse_{i}(text: str) -> Summary:
    return Summary.model_validate_json(summarize_{i}(text))
''',
    '''\
"""Classification with Claude."""

import json

from {package}.llm_clients import claude


def classify_{i}(ticket: str) -> dict:
    try:
        message = claude.messages.create(
            model="claude-3-5-haiku-latest", max_tokens=200,
            messages=[{{"role": "user", "content": ticket}}],
        )
    except Exception:
        return {{"label": "unknown"}}
    return json.loads(message.content[0].text)
''',
    '''\
"""A LangChain chain."""

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o-mini", timeout=20)
chain = ChatPromptTemplate.from_template("Answer: {{question}}") | llm | StrOutputParser()


def answer_{i}(question: str) -> str:
    return chain.invoke({{"question": question}})
''',
    '''\
"""A litellm call."""

import litellm


async def chat_{i}(messages: list[dict[str, str]]) -> str:
    response = await litellm.acompletion(model="gpt-4o-mini", messages=messages,
                                         num_retries=2)
    return response.choices[0].message.content
''',
    '''\
"""Bedrock."""

import boto3
from botocore.config import Config

client = boto3.client("bedrock-runtime", config=Config(read_timeout=60))


def invoke_{i}(body: str) -> bytes:
    return client.invoke_model(modelId="anthropic.claude-3-haiku", body=body)["body"].read()
''',
    '''\
"""Raw HTTP to the OpenAI API."""

import httpx

OPENAI_URL = "https://api.openai.com/v1/chat/completions"


def complete_{i}(prompt: str) -> dict:
    response = httpx.post(OPENAI_URL, json={{"model": "gpt-4o-mini", "messages": []}})
    return response.json()
''',
]

_SCHEMAS = '''\
from pydantic import BaseModel


class Summary(BaseModel):
    title: str
    points: list[str]
'''

_IMPORTER = '''\
"""Uses the model through a project module."""

import logging

from {package}.{module} import {function}

log = logging.getLogger(__name__)


def handle_{i}(payload: dict) -> object:
    try:
        return {function}(payload["text"])
    except Exception:
        log.exception("model call failed")
        return None
'''


def generate(root: Path, files: int, llm: int, seed: int = 7) -> dict[str, int]:
    """Write the repository; return counts by kind."""
    rng = random.Random(seed)
    packages = [f"pkg{p:02d}" for p in range(max(1, files // 250))]
    counts = {"ordinary": 0, "llm": 0, "importers": 0, "support": 0}
    callers: list[tuple[str, str, str]] = []
    written = 0

    def write(rel: str, text: str, kind: str) -> None:
        nonlocal written
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        counts[kind] += 1
        written += 1

    for package in packages:
        write(f"{package}/__init__.py", "", "support")
        write(f"{package}/llm_clients.py", _CLIENTS.format(package=package), "support")
        write(f"{package}/schemas.py", _SCHEMAS, "support")
    for i in range(llm):
        package = packages[i % len(packages)]
        template = _CALLERS[i % len(_CALLERS)]
        module = f"agent_{i:04d}"
        # model calls live in modules that also hold ordinary code
        body = _ordinary(rng, 100_000 + i, package).split("\n", 9)[-1]
        write(f"{package}/{module}.py", template.format(package=package, i=i) + body, "llm")
        function = template.split("def ", 1)[1].split("(")[0].format(i=i)
        callers.append((package, module, function))
    for i, (package, module, function) in enumerate(callers[: llm * 2 // 3]):
        body = _ordinary(rng, 200_000 + i, package).split("\n", 9)[-1]
        write(f"{package}/handlers/h_{i:04d}.py", _IMPORTER.format(
            package=package, module=module, function=function, i=i) + body, "importers")
    i = 0
    while written < files:
        package = packages[i % len(packages)]
        write(f"{package}/core/mod_{i:05d}.py", _ordinary(rng, i, package), "ordinary")
        i += 1
    for package in packages:  # namespace folders get no __init__: both layouts exist
        (root / package / "handlers").mkdir(exist_ok=True)
    return counts


# --- measurements (each runs in its own process) ---------------------------------------

def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def warm_page_cache(root: Path) -> None:
    """Read every file under ``root`` once (links not followed), so that the measurement
    after it finds them in the system's page cache, as the floor's files are: "cold" means
    the tool's cache is empty, not the disk's. On a virtual machine that drops its page cache
    between runs, reading Home Assistant's 36,488 files took 3.2 s cold and 0.35 s cached,
    while the floor reads its 6,725 Python files: without this, the tool's ratio depended on
    which of its other files happened to be cached."""
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with contextlib.suppress(OSError), open(path, "rb") as handle:
                    while handle.read(1 << 20):
                        pass


def measure_floor(root: Path) -> dict[str, float]:
    """Read and ``ast.parse`` every ``.py`` file once (real code may hold some that do not
    parse: they are counted, as the scan counts them)."""
    import ast

    start = time.perf_counter()
    count = failed = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    data = handle.read()
                try:
                    ast.parse(data)
                except (SyntaxError, ValueError):
                    failed += 1
                count += 1
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "files": count,
            "unparsable": failed}


def measure_index(root: Path, cache: Path | None, jobs: int | None) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from readiness.llmcalls import build_index
    from readiness.process import prepare_for_scan
    from readiness.project import Project

    prepare_for_scan()  # as `readiness check` does
    imported = time.perf_counter()
    project = Project(root, cache_dir=cache, jobs=jobs)  # jobs=1: no worker processes at all
    index = build_index(project, jobs=jobs)
    project.save_facts()
    seconds = time.perf_counter() - imported
    return {"seconds": seconds, "import_seconds": imported - started, "peak_mb": peak_mb(),
            "calls": len(index.calls), "analysed": index.files_analysed,
            "parsed": index.files_parsed, "cached": index.files_from_cache,
            "total": index.files_total}


def measure_check(root: Path, cache: Path, *extra: str) -> dict[str, float]:
    """The whole `readiness check` (every built-in check, JSON output), in this process;
    ``extra`` options are added to the command line."""
    sys.path.insert(0, str(ROOT))
    os.environ["READINESS_CACHE_DIR"] = str(cache)
    started = time.perf_counter()
    from readiness.cli import main as cli

    with contextlib.suppress(SystemExit):
        cli(["check", str(root), "--format", "json", "--output", os.devnull, "--fail-on",
             "never", *extra], standalone_mode=False)
    stop_fork_server()
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(),
            "worker_peak_mb": workers.ru_maxrss / 1024,
            "cpu_main": own.ru_utime + own.ru_stime,
            "cpu_workers": workers.ru_utime + workers.ru_stime}


def stop_fork_server() -> None:
    """Stop the fork server the workers were forked from, if one runs, and wait for it:
    its CPU and memory, and those of the workers it reaped, then count among this
    process's children (``RUSAGE_CHILDREN``), as spawned workers' do."""
    with contextlib.suppress(ImportError, AttributeError):
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # noqa: SLF001 - the standard library's own test hook


def installed_layout(tree: Path, dest: Path) -> Path:
    """A copy of the checkout ``tree`` at ``dest`` laid out as pip installs it, with
    ``checks/`` and ``templates/`` inside ``readiness/`` (``pyproject.toml``'s package-dir),
    for measuring that checkout. With the checkout itself first on ``sys.path``, only
    ``readiness`` is found there: ``readiness.checks`` is then looked up by the installed
    package's finder, so an editable install of another checkout answered for it, and a
    measured "base" ran this tree's checks (in its workers too). The copy also holds the
    measured code still while the checkout changes. ``dest/bench/`` holds its bench scripts,
    to be run from there."""
    if dest.exists():
        shutil.rmtree(dest)
    skip = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".mypy_cache", ".venv")
    for name in ("readiness", "bench", "scripts"):
        shutil.copytree(tree / name, dest / name, ignore=skip)
    shutil.copytree(tree / "tests" / "corpus", dest / "tests" / "corpus", ignore=skip)
    for name in ("checks", "templates"):
        shutil.copytree(tree / name, dest / "readiness" / name, ignore=skip)
    return dest


def bytecode_env(folder: Path, trees: tuple[Path, ...] = (ROOT,)) -> dict[str, str]:
    """The environment of the measured processes: the tool's bytecode compiled once into
    ``folder`` beforehand, as a pip install compiles it, so that no measured run pays for
    compiling ``readiness`` (a machine with ``PYTHONDONTWRITEBYTECODE`` set, or a source
    checkout, would otherwise compile it on every run: about 0.3 s). ``trees``: the
    checkouts whose ``readiness`` is measured (``bench_pairs.py`` measures two)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "readiness"),
                        *([str(tree / "checks")] if (tree / "checks").is_dir() else [])],
                       env=env, check=True, capture_output=True)
    return env


def run_child(*args: str, script: str = __file__,
              env: dict[str, str] | None = None) -> dict[str, float]:
    """``script --child ARGS`` in a fresh process: its last line of output, as JSON."""
    out = subprocess.run([sys.executable, script, "--child", *args], check=True,
                         capture_output=True, text=True, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--llm", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="generate here and keep it")
    parser.add_argument("--git", action="store_true", help="make it a git repository")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, root, *rest = args.child
        if kind == "floor":
            print(json.dumps(measure_floor(Path(root))))
        elif kind == "check":
            print(json.dumps(measure_check(Path(root), Path(rest[0]))))
        else:
            cache = Path(rest[0]) if rest and rest[0] != "-" else None
            jobs = int(rest[1]) if len(rest) > 1 else None
            print(json.dumps(measure_index(Path(root), cache, jobs)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="readiness-bench-"))
    try:
        root = args.keep or work / "repo"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        counts = generate(root, args.files, args.llm)
        if args.git:
            subprocess.run(["git", "init", "-q"], cwd=root, check=True)
            subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        size = sum(p.stat().st_size for p in root.rglob("*.py"))
        print(f"repository: {sum(counts.values())} files ({counts}), "
              f"{size / 1e6:.1f} MB of Python")
        cache = work / "cache"
        # run from this checkout laid out as installed, its checks included
        code = installed_layout(ROOT, work / "code")
        child = functools.partial(run_child, script=str(code / "bench" / Path(__file__).name),
                                  env=bytecode_env(work / "pycache", (code,)))
        floor = child("floor", str(root))
        cold = child("index", str(root), str(cache))
        warm = child("index", str(root), str(cache))
        serial = child("index", str(root), "-", "1")
        check_cache = work / "check-cache"
        check_cold = child("check", str(root), str(check_cache))
        check_warm = child("check", str(root), str(check_cache))
        rows = [("floor: read + ast.parse all", floor), ("cold build_index (pool)", cold),
                ("warm build_index (cache)", warm), ("cold build_index (jobs=1)", serial),
                ("cold readiness check (all)", check_cold),
                ("warm readiness check (all)", check_warm)]
        print(f"\n{'measurement':<30} {'seconds':>8} {'x floor':>8} {'peak MB':>8}  notes")
        for name, row in rows:
            note = ""
            if "cpu_main" in row:
                note = (f"CPU: {row['cpu_main']:.2f} s in this process, "
                        f"{row['cpu_workers']:.2f} s in workers")
            if "calls" in row:
                note = (f"{int(row['calls'])} call sites, {int(row['analysed'])} analysed, "
                        f"{int(row['parsed'])} parsed, {int(row['cached'])} from cache")
            print(f"{name:<30} {row['seconds']:>8.3f} {row['seconds'] / floor['seconds']:>8.2f} "
                  f"{row['peak_mb']:>8.1f}  {note}")
        print(f"\n(import of readiness.llmcalls not timed: {cold['import_seconds']:.3f} s)")
        def met(cold: dict[str, float], warm: dict[str, float]) -> bool:
            return (cold["seconds"] <= floor["seconds"] and warm["seconds"] < floor["seconds"] / 4
                    and max(cold["peak_mb"], warm["peak_mb"]) < 150)

        print("full scan (every check, JSON output, interpreter start-up excluded): "
              f"cold {check_cold['seconds'] / floor['seconds']:.2f} x floor, "
              f"warm {check_warm['seconds'] / floor['seconds']:.2f} x floor, "
              f"peak {max(check_cold['peak_mb'], check_warm['peak_mb']):.1f} MB")
        print("targets (cold <= floor, warm < floor/4, peak < 150 MB): call-site index",
              "met" if met(cold, warm) else "NOT met", "- whole scan",
              "met" if met(check_cold, check_warm) else "NOT met")
        return 0 if met(check_cold, check_warm) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
