"""Build the call-site index: prefilter, extract facts (cached, in parallel), resolve.

Which files are analysed, in rounds:

1. files whose text names a model provider package or a model API host (``PREFILTER``);
2. then, until nothing new turns up (at most ``MAX_ROUNDS``): files that import a *relevant*
   analysed module (one that names a provider, or imports one that does: a client factory,
   a wrapper, a settings object holding a client; a package's ``__init__.py`` re-exporting
   a relevant module is relevant too), and project modules that relevant modules import,
   two levels deep (home-made retry decorators, schemas, settings).

So the modules analysed are the provider modules, their importers and their importers'
importers (``RELEVANT_DEPTH``), and what those import. A model value handed further up
than that is not followed: on the 35 corpus apps, following every importer (up to
``MAX_ROUNDS``) found the very same call sites, protections and clients, while it analysed
4,788 modules instead of 4,197 (gptme: 476 of its 500 instead of 327; skyvern: 1,135 of
1,490 instead of 850).

Everything else is never parsed. Facts are a pure function of a file's text, so they are
kept between runs by ``Project``'s per-file facts (by content hash, in the user's cache
folder); a cold scan parses in the worker processes when there are many files, or when they
run already (a cold scan of a big repository), ahead of the text scans waiting for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from readiness.llmcalls.classify import Hit, classify
from readiness.llmcalls.context import context_of
from readiness.llmcalls.facts import CallFact, FileFacts, from_json, to_plain
from readiness.llmcalls.lookup import find_key, keyword
from readiness.llmcalls.modules import ModuleMap, stem
from readiness.llmcalls.protect import Protections
from readiness.llmcalls.reach import (
    ANALYZER_VERSION,
    GLANCE_QUERY,
    Glance,
    command_files,
    glance_at,
)
from readiness.llmcalls.records import CallSite, CallSiteIndex, Construction, Protection
from readiness.llmcalls.resolve import Program
from readiness.llmcalls.sdk import (
    FAMILIES,
    INIT_CHAT_MODEL,
    constructor_family,
    purpose_of,
    purpose_of_model,
)
from readiness.llmcalls.values import Client, Ext, Klass, Lit, Term, Value, string_of
from readiness.llmcalls.walker import extract
from readiness.project import Project
from readiness.project.filefacts import decode, encode

PARALLEL_THRESHOLD = 200  # below this many files to parse, a pool costs more than it saves
MAX_ROUNDS = 4
MAX_DEPENDENCY_DEPTH = 2
RELEVANT_DEPTH = 1  # importers of importers of a provider's module are followed, no further
_UNPARSABLE = "unparsable"
FACTS_QUERY = f"llmcalls.facts/{ANALYZER_VERSION}"


def build_index(project: Project, *, jobs: int | None = None) -> CallSiteIndex:
    """Find every LLM call site in the project and what protects it.

    Each file's facts are kept between runs when the project has a cache folder
    (``Project(cache_dir=...)``). ``jobs`` caps worker processes (1: serial).
    """
    python = [f for f in project.files if f.endswith(".py")]
    modules = ModuleMap(frozenset(python))  # its memo holds every file's imports: not kept
    # what the prefilter and the import scan need of every file, kept between runs
    glance = project.facts(python, GLANCE_QUERY, glance_at)
    scan = _Scan(project, glance, jobs)
    todo = sorted(rel for rel, (provider, _imports) in glance.items() if provider)
    for _ in range(MAX_ROUNDS + 1):
        if not todo:
            break
        scan.analyse(todo)
        relevant = _relevant(scan.facts, modules)
        found = _dependents(scan, relevant, modules) | _dependencies(scan, relevant, modules)
        todo = sorted(rel for rel in found - scan.seen if rel in glance)
    commands = command_files(project)
    sites, built = _call_sites(scan.facts, modules, commands)
    return CallSiteIndex(sites, len(python), scan.parsed, scan.from_cache,
                         tuple(sorted(scan.unparsable)), len(scan.seen), built)


def _call_sites(facts: dict[str, FileFacts], modules: ModuleMap,
                commands: frozenset[str] = frozenset()
                ) -> tuple[tuple[CallSite, ...], tuple[Construction, ...]]:
    """Every model call (with its purpose, its context and what protects it), and every
    place that builds a client or a framework model."""
    prog = Program(facts, modules)
    prog.build_invocations()
    prog.enable_param_binding()
    protections = Protections(prog)
    sites = []
    built = []
    for path in sorted(facts):
        mains = facts[path].mains
        for call in facts[path].calls:
            try:
                hit = classify(prog, path, call)
                if hit is not None:
                    context = context_of(path, call.line, mains, commands)
                    site = protections.site(path, call, hit)
                    if hit.via is not None:  # the helper's own protections count too
                        site = _with_helper(protections, prog, site, hit)
                    purpose = FAMILIES[hit.client.family].purpose or \
                        _purpose(prog, path, call, hit.api)
                    sites.append(site._replace(purpose=purpose, context=context))
                construction = _construction(prog, path, call, mains, commands)
                if construction is not None:
                    built.append(construction)
            except RecursionError:  # pathological nesting of values: skip this one call
                continue
    prog.release()
    return (tuple(sorted(sites, key=lambda s: (s.path, s.line, s.col))),
            tuple(sorted(set(built), key=lambda b: (b.path, b.line))))


def _with_helper(protections: Protections, prog: Program, site: CallSite, hit: Hit
                 ) -> CallSite:
    """A call site handed to a helper, with what protects the helper's own call of it
    (a retry loop, a try, a timeout around it) where the caller has nothing."""
    assert hit.via is not None
    helper_path, at = hit.via
    inner = protections.site(helper_path, prog.facts[helper_path].calls[at], hit)
    return site._replace(
        timeout=site.timeout or inner.timeout, retry=_stronger(site.retry, inner.retry),
        error_handling=site.error_handling or inner.error_handling,
        output_validation=site.output_validation or inner.output_validation,
        fallback=site.fallback or inner.fallback)


def _stronger(first: Protection | None, second: Protection | None) -> Protection | None:
    """An explicit retry over an SDK's default one."""
    if first is None or (first.strength != "explicit" and second is not None
                         and second.strength == "explicit"):
        return second or first
    return first


def _construction(prog: Program, path: str, call: CallFact, mains: list[list[int]],
                  commands: frozenset[str]) -> Construction | None:
    """The client or model object ``call`` builds, if it builds one."""
    callee = prog.callee(path, call.expr)
    if isinstance(callee, Klass):
        if prog.model_base(callee) is None:
            return None
    elif not isinstance(callee, Ext) or not (
            constructor_family(callee.name) or callee.name in INIT_CHAT_MODEL):
        return None
    client = prog.eval(path, call.expr)
    if not isinstance(client, Client) or client.origin != (path, call.expr[4]) or (
            client.family == "http"):  # an HTTP client is a model client only by its calls
        return None
    context = context_of(path, call.line, mains, commands)
    retry = client.retry or (None if client.no_retry else client.default_retry)
    return Construction(path, call.line, FAMILIES[client.family].provider, client.label,
                        client.timeout, retry, context)


class _Scan:
    """Facts of the files analysed so far, and how they were obtained."""

    def __init__(self, project: Project, glance: dict[str, Glance], jobs: int | None) -> None:
        self.project = project
        self.glance = glance
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self.facts: dict[str, FileFacts] = {}
        self.unparsable: set[str] = set()
        self.seen: set[str] = set()
        self.parsed = 0
        self.from_cache = 0
        self.text_imports: dict[str, frozenset[str]] = {}
        self._used_workers = False

    def analyse(self, paths: Iterable[str]) -> None:
        """Get the facts of ``paths``: kept from an earlier run when the text is the same,
        else by parsing (and kept for the next run)."""
        to_parse: list[tuple[str, str]] = []
        for rel in paths:
            if rel in self.seen:
                continue
            self.seen.add(rel)
            found, kept = self.project.stored_fact(rel, FACTS_QUERY)
            if found and self._load(rel, kept):
                self.from_cache += 1
                continue
            text = self.project.text(rel)
            if text is not None:
                to_parse.append((rel, text))
        for rel, data in self._extract(to_parse):
            self.parsed += 1
            if isinstance(data, bytes):  # encoded by a worker as the store keeps it
                self._load(rel, decode(data))
                self.project.remember_encoded(rel, FACTS_QUERY, data)
            else:
                self._load(rel, data)
                self.project.remember_fact(rel, FACTS_QUERY, data)

    def _load(self, rel: str, data: Any) -> bool:
        if data == _UNPARSABLE:
            self.unparsable.add(rel)
            return True
        try:
            self.facts[rel] = from_json(data)
        except (ValueError, TypeError, AttributeError, KeyError):
            return False  # a corrupt entry: parse again
        return True

    def _extract(self, items: list[tuple[str, str]]) -> list[tuple[str, Any]]:
        # Workers pay off for many files, or once they run (a cold scan of a big
        # repository starts them with the checks): the scanning process's time is the
        # scan's, and the parse goes ahead of the text scans waiting for a worker.
        workers = self.project.workers
        running = self._used_workers or (workers is not None and workers.running)
        wanted = len(items) >= (16 if running else PARALLEL_THRESHOLD)
        if wanted and self.jobs > 1 and workers is not None:
            done = self._extract_parallel(items)
            if done is not None:
                self._used_workers = True
                return done
        return _extract_batch(items)

    def _extract_parallel(self, items: list[tuple[str, str]]) -> list[tuple[str, Any]] | None:
        """Parse in the project's worker processes; None if they cannot."""
        workers = self.project.workers
        if workers is None:
            return None
        # large files first, dealt round-robin, so that the workers finish together
        ordered = sorted(items, key=lambda item: -len(item[1]))
        count = workers.count * 4
        chunks = [c for c in (ordered[i::count] for i in range(count)) if c]
        results = workers.map(_extract_encoded, chunks, urgent=True)
        return None if results is None else [row for chunk in results for row in chunk]


def _extract_batch(items: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """Facts of each (path, text), as plain data (``"unparsable"`` for a broken file)."""
    out = []
    for rel, text in items:
        facts = extract(text)
        out.append((rel, to_plain(facts) if facts is not None else _UNPARSABLE))
    return out


def _extract_encoded(items: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """``_extract_batch`` in a worker: each file's facts encoded as the fact store keeps
    them (``filefacts.encode``), so that the scanning process, which waits on these,
    decodes them and keeps the bytes rather than encoding them itself (skyvern: 1,126
    files' facts, 0.45 s of its time)."""
    return [(rel, encode(data) or data) for rel, data in _extract_batch(items)]


def _purpose(prog: Program, path: str, call: CallFact, api: str) -> str:
    """What the call is for: by its API, else by the model it asks for when that is known
    (``generate_content(model="gemini-2.5-flash-image")`` makes images, ``invoke_model``
    with an embedding model id embeds)."""
    purpose = purpose_of(api)
    if purpose != "generation":
        return purpose
    if _probe(prog, path, call):
        return "other"
    for name in ("model", "modelId", "model_id"):
        found = keyword(call.expr, name)
        if found:
            model = string_of(prog.eval(path, found[1]))
            if model:
                return purpose_of_model(model)
    return purpose


# What a generation request asks about and how long an answer it allows, as keywords or as
# fields of an HTTP body (``requests.post(url, json={...})``).
_CONVERSATION = ("messages", "contents", "prompt", "input")
_ANSWER_BUDGET = ("max_tokens", "max_output_tokens", "max_completion_tokens", "max_new_tokens",
                  "maxTokens", "num_predict")
_BODY = ("json", "body", "data")


def _probe(prog: Program, path: str, call: CallFact) -> bool:
    """Does the request ask nothing and allow no answer: an empty conversation
    (``"messages": []``, ``prompt=""``) and at most one output token? Such a request only
    probes whether a key works or the provider is up (gptme's API-key check), so it is not
    a generation call."""
    empty = budget = False
    for value in _request_fields(prog, path, call, _CONVERSATION):
        empty = empty or string_of(value) == "" or (
            isinstance(value, Term) and value.expr[0] == "list" and not value.expr[1])
    for value in _request_fields(prog, path, call, _ANSWER_BUDGET):
        budget = budget or (isinstance(value, Lit) and type(value.value) is int
                            and value.value <= 1)
    return empty and budget


def _request_fields(prog: Program, path: str, call: CallFact, names: tuple[str, ...]
                    ) -> list[Value]:
    """The values of the request's fields ``names``: keywords of the call, or keys of the
    dict it sends as its HTTP body."""
    bodies = []
    for name in _BODY:
        found = keyword(call.expr, name)
        if found:
            bodies.append(prog.eval(path, found[1]))
    values = []
    for name in names:
        found = keyword(call.expr, name)
        if found:
            values.append(prog.eval(path, found[1]))
        for body in bodies:
            field = find_key(body, name)
            if field:
                values.append(prog.eval(field[0], field[2]))
    return values


def _relevant(facts: dict[str, FileFacts], modules: ModuleMap) -> set[str]:
    """Analysed modules that name a provider, or import one that does (a client factory's
    users, a wrapper), ``RELEVANT_DEPTH`` levels up. A package's ``__init__.py`` that
    imports a relevant module is one with it, at no level's cost: it re-exports its names
    (gpt-computer-assistant's ``agent/__init__.py``: ``from .agent import *``)."""
    relevant = {path for path, f in facts.items() if f.refs}
    imports = {path: modules.imported_files(path, f.imports) for path, f in facts.items()
               if path not in relevant}

    def importers(packages: bool) -> set[str]:
        return {path for path, targets in imports.items() if path not in relevant and
                (not packages or path.endswith("__init__.py")) and
                not targets.isdisjoint(relevant)}

    for level in range(RELEVANT_DEPTH + 1):
        while more := importers(packages=True):
            relevant |= more
        if level == RELEVANT_DEPTH or not (more := importers(packages=False)):
            break
        relevant |= more
    return relevant


def _dependents(scan: _Scan, relevant: set[str], modules: ModuleMap) -> set[str]:
    """Files not analysed yet whose imports name a relevant module."""
    if not relevant:
        return set()
    names = {stem(path) for path in relevant}  # what a relevant module is imported by
    found = set()
    for rel, (_provider, records) in scan.glance.items():
        if rel in scan.seen or not modules.may_name(records, names):
            continue
        targets = scan.text_imports.get(rel)
        if targets is None:  # resolved once, reused in every round
            targets = scan.text_imports[rel] = frozenset(modules.imported_files(rel, records))
        if targets & relevant:
            found.add(rel)
    return found


def _dependencies(scan: _Scan, relevant: set[str], modules: ModuleMap) -> set[str]:
    """Project modules imported by relevant modules, up to two levels down."""
    found: set[str] = set()
    frontier = set(relevant)
    for _ in range(MAX_DEPENDENCY_DEPTH):
        following: set[str] = set()
        for path in frontier:
            facts = scan.facts.get(path)
            if facts is None:
                continue
            for target in modules.imported_files(path, facts.imports):
                if target not in scan.seen:
                    found.add(target)
                elif target not in relevant:
                    following.add(target)
        frontier = following
    return found
