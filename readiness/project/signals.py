"""Cheap text scans over the repository's source files, each computed once per run.

Comments and Python docstrings are blanked (``readiness.project.sourcetext``; other strings are
kept: config keys, queue names and environment variable names live in them). A search names
literals ("anchors") that every match contains; ``str.find`` locates them and the regex only
runs on the lines around them. Each file's matches are kept between runs by
``Project.facts``, and each search is shared under its pattern by ``Project.shared``: checks
that ask the same question share the answer. Test files are left out of code evidence unless
a search asks for them: a semaphore in a unit test limits nothing in production.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from readiness.evidence import from_config
from readiness.model import Evidence, Finding, Status
from readiness.project.configfiles import config_index, scalar_text
from readiness.project.sourcetext import ANY as ANY
from readiness.project.sourcetext import CODE as CODE
from readiness.project.sourcetext import Lang as Lang
from readiness.project.sourcetext import Source as Source
from readiness.project.sourcetext import blank as blank
from readiness.project.sourcetext import blank_comments as blank_comments
from readiness.project.sourcetext import holds_any
from readiness.project.sourcetext import is_test_path as is_test_path
from readiness.project.sourcetext import language as language
from readiness.project.sourcetext import statement_at as statement_at

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


class Hit(NamedTuple):
    """Where a pattern matched: the file, the 1-based line, the matched text and which
    named group of the pattern matched (its ``kind``; empty without named groups)."""

    path: str
    line: int
    text: str
    kind: str = ""

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


def sources(project: Project) -> tuple[Source, ...]:
    """Every source and config file, as comment-blanked text read when first used (once
    per run). Files that turn out to have no text (binary, unreadable) read as empty."""
    return project.shared("signals.sources", _list_sources)


def _list_sources(project: Project) -> tuple[Source, ...]:
    found = []
    for rel in project.files:
        lang = language(rel)
        if lang is None:
            continue
        found.append(Source(rel, lang, functools.partial(_text_of, project, rel),
                            is_test_path(rel), keep=rel.endswith(".json") or lang is Lang.SQL))
    return tuple(found)


def _text_of(project: Project, rel: str) -> str:
    return project.text(rel) or ""


WINDOW = 240  # characters either side of an anchor that a match may span


def search(project: Project, pattern: re.Pattern[str], *, langs: Collection[Lang] = CODE,
           tests: bool = False, anchors: Sequence[str] = (), window: int = WINDOW,
           require: Sequence[str] = (), within: Collection[str] | None = None
           ) -> tuple[Hit, ...]:
    """Every match of ``pattern`` in the chosen languages, once per run.

    ``anchors`` are literals of which every match contains one: the regex then only runs on
    the lines around their occurrences (found by ``str.find``, far faster than a regex over
    the whole file), ``window`` characters either side. Each anchor costs one pass over the
    files: few, distinctive anchors are best. Without anchors whole files are searched.
    ``require``: only files whose text holds one of these words are searched.
    ``within``: only these files are searched (when only hits in them would count).

    Each file's matches are a function of its text alone, so they are kept between runs by
    ``Project.facts``: an unchanged file is not searched (nor read) again.
    """
    wanted = frozenset(langs)
    spec = (pattern.pattern, pattern.flags, tuple(sorted(anchors)), window,
            tuple(sorted(require)))
    key = f"signals.search:{spec}:{sorted(lang.value for lang in wanted)}:{tests}"
    if within is not None:
        key += ":within:" + hashlib.sha256("\0".join(sorted(within)).encode(
            "utf-8", "surrogatepass")).hexdigest()

    def compute(project: Project) -> tuple[Hit, ...]:
        found: dict[str, tuple[tuple[int, str, str], ...]] = {}
        chosen: list[Source] = []
        for (lang, keep), group in _kinds(project).items():
            if lang not in wanted:
                continue
            picked = group if tests else [s for s in group if not s.test]
            if within is not None:
                picked = [s for s in picked if s.path in within]
            chosen += picked
            query = query_name("signals.search/1", lang.value, keep, *spec)
            found.update(project.facts([s.path for s in picked], query, functools.partial(
                _search_text, lang=lang, keep=keep, pattern=pattern, anchors=anchors,
                window=window, require=require, blanked=_blanked(project))))
        hits = [Hit(s.path, *row) for s in chosen if s.path in found for row in found[s.path]]
        hits.sort(key=lambda h: h.path)  # stable: each file's matches stay in order
        return tuple(hits)

    return project.shared(key, compute)


def _kinds(project: Project) -> dict[tuple[Lang, bool], list[Source]]:
    """The sources by language and whether comments are kept, in path order, once per run."""
    def group(project: Project) -> dict[tuple[Lang, bool], list[Source]]:
        kinds: dict[tuple[Lang, bool], list[Source]] = {}
        for src in sources(project):
            kinds.setdefault((src.lang, src.keep), []).append(src)
        return kinds

    return project.shared("signals.kinds", group)


def query_name(*parts: object) -> str:
    """A short, fixed-size name for a per-file query and everything its answer depends on."""
    return f"{parts[0]}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:20]}"


V = TypeVar("V")
class Blanked(dict[tuple[Lang, bool, str], Source]):
    """Texts blanked so far in this run, by language and text: each file once, whichever
    searches reach it. Pickled (a search sent to the fact worker) it is not copied: the
    receiving process uses its own."""

    def __reduce__(self) -> tuple[Callable[[], Blanked], tuple[()]]:
        return _worker_blanked, ()


_WORKER_BLANKED: list[Blanked] = []  # in a fact worker process only, for its one run


def _worker_blanked() -> Blanked:
    if not _WORKER_BLANKED:
        _WORKER_BLANKED.append(Blanked())
    return _WORKER_BLANKED[0]


def _blanked(project: Project) -> Blanked:
    """This run's blanked texts."""
    return project.shared("signals.blanked", lambda p: Blanked())


def _source_of(text: str, lang: Lang, keep: bool, blanked: Blanked | None) -> Source:
    if blanked is None:
        return Source("", lang, text, False, keep)
    key = (lang, keep, text)
    found = blanked.get(key)
    if found is None:
        found = blanked[key] = Source("", lang, text, False, keep)
    return found


def _search_text(text: str, *, lang: Lang, keep: bool, pattern: re.Pattern[str],
                 anchors: Sequence[str], window: int, require: Sequence[str],
                 blanked: Blanked | None = None) -> tuple[tuple[int, str, str], ...]:
    """(line, matched text, group name) of each match of ``pattern`` in one file."""
    if anchors and not holds_any(text, anchors):
        return ()  # blanking only removes text: no anchor in the file, no match
    if require and not holds_any(text, require):
        return ()
    src = _source_of(text, lang, keep, blanked)
    regions = windows(src.code, anchors, window) if anchors else [(0, len(src.code))]
    return tuple((src.line_at(match.start()), match.group(0), match.lastgroup or "")
                 for start, end in regions for match in pattern.finditer(src.code, start, end))


def windows(code: str, anchors: Sequence[str], window: int = WINDOW) -> list[tuple[int, int]]:
    """Whole lines around each anchor occurrence (+/- WINDOW characters), merged: where a
    regex whose every match contains an anchor needs to look."""
    found: list[tuple[int, int]] = []
    for anchor in anchors:
        at = code.find(anchor)
        while at >= 0:
            start = code.rfind("\n", 0, max(0, at - window)) + 1
            end = code.find("\n", at + len(anchor) + window)
            end = len(code) if end < 0 else end
            found.append((start, end))
            at = code.find(anchor, end)  # occurrences inside this window are covered
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def source(project: Project, rel: str) -> Source | None:
    by_path = project.shared("signals.by_path", lambda p: {s.path: s for s in sources(p)})
    return by_path.get(rel)


def statement(project: Project, hit: Hit, *, max_lines: int = 8) -> str:
    """The code from the hit's line until its brackets balance (at most ``max_lines``)."""
    found = source(project, hit.path)
    return "" if found is None else statement_at(found, hit.line, max_lines)


def at_lines(project: Project, hits: Sequence[Hit], query: str,
             judge: Callable[[Source, int], V]) -> dict[tuple[str, int], V]:
    """``judge(source, line)`` at each hit's line, kept between runs per file and lines:
    a file is read only when its text (or the lines asked about) changed. ``query`` names
    ``judge`` and everything it depends on besides the text."""
    lines: dict[str, set[int]] = {}
    for hit in hits:
        lines.setdefault(hit.path, set()).add(hit.line)
    found: dict[tuple[str, int], V] = {}
    for rel, wanted in lines.items():
        src = source(project, rel)
        if src is None:
            continue
        asked = tuple(sorted(wanted))
        answers = project.facts([rel], query_name(query, src.lang.value, src.keep, asked),
                                functools.partial(_judge_lines, judge=judge, lang=src.lang,
                                                  keep=src.keep, lines=asked)).get(rel)
        if answers is None:
            continue  # no text: nothing to judge
        found.update(((rel, line), answer) for line, answer in zip(asked, answers, strict=True))
    return found


def _judge_lines(text: str, *, judge: Callable[[Source, int], V], lang: Lang, keep: bool,
                 lines: tuple[int, ...]) -> tuple[V, ...]:
    src = Source("", lang, text, False, keep)
    return tuple(judge(src, line) for line in lines)


# ---- turning hits into findings ----------------------------------------------------------


def code_or_config(project: Project, config: Config, name: str, partial: Finding | None,
                   missing: Finding) -> Finding:
    """What the code shows when it is only part of the story: a passing ``evidence.<name>``
    in readiness.yaml wins, then the partial finding from code, then the configured
    evidence as judged (a claim, a missing path), then ``missing``."""
    configured = from_config(project, config, name)
    if configured is not None and configured.status is Status.PASS:
        return configured
    return partial or configured or missing


def vendors(hits: Sequence[Hit]) -> str:
    return ", ".join(dict.fromkeys(h.kind for h in hits))


def first_per_kind(hits: Sequence[Hit]) -> list[Hit]:
    """The first hit (in file order) of each kind, in file order."""
    seen: dict[str, Hit] = {}
    for hit in sorted(hits, key=lambda h: (h.path, h.line, h.kind)):
        seen.setdefault(hit.kind, hit)
    return sorted(seen.values(), key=lambda h: (h.path, h.line, h.kind))


def listing(hits: Sequence[Hit]) -> tuple[str, list[Evidence]]:
    """``kind (path:line), ...`` for the first hit of each kind, and their evidence."""
    first = first_per_kind(hits)
    text = ", ".join(f"{h.kind} ({h.path}:{h.line})" for h in first)
    return text, list(dict.fromkeys(h.evidence() for h in first))


# ---- imports and LLM usage ----------------------------------------------------------------


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
        files = [s.path for s in _kinds(project).get((lang, False), [])]
        query = query_name("signals.imports/1", lang.value, require)
        per_file = project.facts(files, query, functools.partial(
            scan, require=require, blanked=_blanked(project)))
        found += [Import(rel, *row) for rel, rows in per_file.items() for row in rows]
    return tuple(sorted(set(found)))


ImportRow = tuple[int, str, tuple[str, ...]]


def _python_imports(text: str, require: tuple[str, ...], blanked: Blanked | None = None
                    ) -> tuple[ImportRow, ...]:
    """(line, module, names) of each import statement of one Python file, leaving out
    those inside triple-quoted strings (code shown as text, as in fixtures)."""
    if "import" not in text or (require and not holds_any(text, require)):
        return ()
    src = _source_of(text, Lang.PYTHON, False, blanked)
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
    src = _source_of(text, Lang.JAVASCRIPT, False, blanked)
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
    # An import of a module names its first part: files without any are not read.
    roots = {re.split(r"[./*]", m.lstrip("@"))[0] for m in modules} - {""}
    # a short root ("ai", a JavaScript package) is in every file: look for it quoted instead
    words = tuple(sorted(w for r in roots for w in (
        (r,) if len(r) >= 4 else (f"'{r}'", f'"{r}"', f"'{r}/", f'"{r}/', f"import {r}"))))
    return [i for i in imports(project, words) if (tests or not is_test_path(i.path))
            and (_parents(i.module) & exact or (prefixes and i.module.startswith(prefixes)))]


def _parents(module: str) -> set[str]:
    """``a.b.c`` -> {a, a.b, a.b.c}; ``@scope/pkg/sub`` -> {@scope, @scope/pkg, ...}."""
    parts = re.split(r"([./])", module)
    return {"".join(parts[:i]) for i in range(1, len(parts) + 1, 2)}


LLM_MODULES = ("openai", "anthropic", "litellm", "langchain*", "langgraph",
               "google.generativeai", "google.genai", "vertexai", "cohere", "mistralai",
               "llama_index", "groq", "instructor", "@anthropic-ai/sdk", "@google/genai",
               "@google/generative-ai", "@langchain/*", "@mistralai/mistralai", "cohere-ai",
               "ai", "@aws-sdk/client-bedrock-runtime")
_BEDROCK = re.compile(r"""\bclient\(\s*(?:service_name\s*=\s*)?["']"""
                      r"""bedrock-(?:agent-)?runtime["']""")
_GATEWAY_KEY = re.compile(r"^model_list\.\d+\.litellm_params\.model$")


def llm_usage(project: Project) -> tuple[Hit, ...]:
    """Where the repository uses an LLM: SDK imports, Bedrock runtime clients and LLM gateway
    configs (litellm proxy ``model_list``), outside tests. Empty: no LLM usage found."""
    return project.shared("signals.llm_usage", _scan_llm_usage)


def _scan_llm_usage(project: Project) -> tuple[Hit, ...]:
    hits = [Hit(i.path, i.line, i.module, "import") for i in imports_of(project, *LLM_MODULES)]
    hits += [h._replace(kind="bedrock") for h in search(project, _BEDROCK,
                                                        anchors=("bedrock-",))]
    hits += [Hit(e.path, e.line, str(e.value), "gateway")
             for e in config_index(project).find(_GATEWAY_KEY)]
    return tuple(sorted(set(hits)))


def uses_llm(project: Project) -> bool:
    return bool(llm_usage(project))


def llm_files(project: Project) -> frozenset[str]:
    """Source files that talk to a model directly (import an SDK or build a Bedrock client)."""
    return frozenset(h.path for h in llm_usage(project) if h.kind != "gateway")


NO_LLM = ("no LLM usage found (no openai, anthropic, litellm, langchain, google genai, "
          "vertexai, cohere, mistralai, llama_index or Bedrock runtime client, no LLM gateway "
          "config)")


# ---- LLM tracing integrations (they log both sides of each call, with ids, tokens, cost) ---

_TRACING: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("LangSmith", ("wrap_", "@traceable", "LangChainTracer("), re.compile(
        r"\bwrap_(?:openai|anthropic)\(|@traceable\b|\bLangChainTracer\(")),
    ("Langfuse", ("langfuse.openai", "@observe", "CallbackHandler(", "Langfuse("), re.compile(
        r"\bfrom[ \t]+langfuse\.openai[ \t]+import\b|\bimport[ \t]+langfuse\.openai\b|"
        r"@observe\b|\bCallbackHandler\(|\bLangfuse\(")),
    ("Helicone", ("elicone", "ELICONE"), re.compile(r"\bhelicone\.ai\b|\bHelicone-Auth\b",
                                                    re.IGNORECASE)),
    ("OpenTelemetry GenAI instrumentation", ("Instrumentor().instrument(",), re.compile(
        r"\b(?:OpenAI|Anthropic|Bedrock|VertexAI|LangChain|LlamaIndex|MistralAi|Cohere|Groq|"
        r"LiteLLM|GoogleGenAi|Openai)Instrumentor\(\)\.instrument\(")),
    ("OpenLLMetry", ("Traceloop.init(",), re.compile(r"\bTraceloop\.init\(")),
    ("Logfire", ("logfire.instrument_",), re.compile(
        r"\blogfire\.instrument_(?:openai|anthropic|litellm|pydantic_ai)\(")),
    ("MLflow tracing", ("autolog(",), re.compile(
        r"\bmlflow\.(?:openai|anthropic|langchain|litellm|gemini|bedrock)\.autolog\(")),
    ("Weave", ("weave.init(",), re.compile(r"\bweave\.init\(")),
)
_CALLBACK_VENDORS = {"langfuse": "Langfuse", "langsmith": "LangSmith", "helicone": "Helicone",
                     "otel": "OpenTelemetry", "opentelemetry": "OpenTelemetry",
                     "datadog": "Datadog", "lunary": "Lunary", "arize": "Arize",
                     "braintrust": "Braintrust", "mlflow": "MLflow", "logfire": "Logfire",
                     "athina": "Athina", "langtrace": "Langtrace"}
_LITELLM_CALLBACK = re.compile(r"\blitellm\.(?:success_callback|callbacks)\s*=\s*\[([^\]]*)\]")
_CALLBACK_KEY = re.compile(r"(?:^|\.)(?:success_callback|callbacks)\.\d+$")


def tracing(project: Project) -> tuple[Hit, ...]:
    """LLM tracing integrations set up outside tests; each hit's ``kind`` names the vendor."""
    return project.shared("signals.tracing", _scan_tracing)


def _scan_tracing(project: Project) -> tuple[Hit, ...]:
    hits: list[Hit] = []
    for vendor, anchors, pattern in _TRACING:
        langs = ANY if vendor == "Helicone" else CODE
        hits += [h._replace(kind=vendor) for h in search(project, pattern, langs=langs,
                                                         anchors=anchors)
                 if vendor != "Langfuse" or mentions(project, h.path, "langfuse")]
    for hit in search(project, _LITELLM_CALLBACK, anchors=("litellm.",)):
        hits += [hit._replace(kind=_CALLBACK_VENDORS[name]) for name in _CALLBACK_VENDORS
                 if re.search(rf"[\"']{name}[\"']", hit.text)]
    for entry in config_index(project).find(_CALLBACK_KEY):
        named = _CALLBACK_VENDORS.get(scalar_text(entry.value).lower())
        if named:
            hits.append(Hit(entry.path, entry.line, scalar_text(entry.value), named))
    hits += [Hit(s.path, s.line, s.name, "LangSmith")
             for s in env_settings(project, "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING")
             if truthy(s.value)]
    return tuple(sorted(set(hits), key=lambda h: (h.path, h.line, h.kind)))


def mentions(project: Project, rel: str, word: str) -> bool:
    """Does the (comment-blanked) file contain ``word``?"""
    found = source(project, rel)
    return found is not None and word in found.code


# ---- environment settings -----------------------------------------------------------------


class Setting(NamedTuple):
    """An environment variable set somewhere: .env, Dockerfile, compose, a manifest, code."""

    path: str
    line: int
    name: str
    value: str

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


def env_settings(project: Project, *names: str) -> list[Setting]:
    """Where any of these environment variables is given a value, in file order."""
    alternatives = "|".join(re.escape(n) for n in names)
    assign = re.compile(rf"""\b({alternatives})\b["']?\]?\s*(?:[=:]|,)\s*["']?([^"'\s,}}\]#]*)""")
    found = [Setting(h.path, h.line, *_split_setting(assign, h.text))
             for h in search(project, assign, langs=ANY, anchors=names)]
    index = config_index(project)
    for entry in index.find("name", re.compile(rf"^(?:{alternatives})$")):  # k8s env lists
        value = index.child(entry, "value")
        if value is not None:
            found.append(Setting(entry.path, entry.line, str(entry.value),
                                 scalar_text(value.value)))
    return sorted(set(found))


def _split_setting(assign: re.Pattern[str], text: str) -> tuple[str, str]:
    match = assign.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def truthy(value: str) -> bool:
    return value.strip().strip("\"'").lower() in ("true", "1", "yes", "on")
