"""feedback-loop: users can flag wrong answers, and the flags are stored to improve."""

from __future__ import annotations

import ast
import bisect
import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from readiness.config import Config
from readiness.model import (
    Credit,
    Finding,
    Gap,
    check,
    failed,
    not_applicable,
    passed,
    warned,
)
from readiness.project import llmusage, signals
from readiness.project.signals import Hit, Lang, query_name, statement_at
from readiness.project.snapshot import Project, parse_python

# ---- feedback loop ---------------------------------------------------------------------------

_SEGMENT = r"(?:feedback|flags?|ratings?|rate|thumbs[-_]?(?:up|down)?|votes?)"
_CAPTURE = re.compile(
    rf"""(?P<endpoint>\.(?:post|put|patch|route|api_route|all)\(\s*["'`][^"'`\n]*/{_SEGMENT}"""
    rf"""(?=[/"'`?{{]))|"""
    rf"""(?P<django>\b(?:re_)?path\(\s*r?["']\^?(?:[\w/-]*/)?{_SEGMENT}\b)|"""
    r"""(?P<slack>["']reaction_added["']|\bon_reaction_add\b|\bonMessageReaction\w*)|"""
    r"""(?P<streamlit>\bst\.feedback\(|\bstreamlit_feedback\()|"""
    r"""(?P<gradio>\.like\(\s*\w+)|"""
    r"""(?P<langsmith>\b(?:create_feedback|createFeedback)\()|"""
    r"""(?P<braintrust>\b(?:log_feedback|logFeedback)\()""")
_LANGFUSE = re.compile(r"\b(?:create_score|score_current_trace|score_current_span)\(|"
                       r"\b\w*(?:langfuse|trace|span|generation)\w*\.score\(", re.IGNORECASE)
_UI = re.compile(
    r"""(?i)aria-label\s*=\s*\{?\s*["'`](?:thumbs?[\s-]?(?:up|down)|(?:not\s+)?helpful|"""
    r"""(?:bad|good|wrong)\s+(?:response|answer)|report\s+(?:this\s+)?(?:answer|response)|"""
    r"""flag\s+(?:this\s+)?(?:answer|response)|rate\s+(?:this\s+)?(?:answer|response))|"""
    r"""(?-i:\b(?:on|handle)(?:Feedback\w*|Thumbs?(?:Up|Down)\w*|(?:Rate|Rating|Vote|Flag)"""
    r"""(?:Answer|Response|Message|Reply)?)\s*[=(:])|"""
    r"""(?-i:<(?:ThumbsUp|ThumbsDown|ThumbUp|ThumbDown|HandThumb(?:Up|Down))\w*\b)""")
_UI_SUFFIXES = (".html", ".htm", ".vue", ".svelte", ".jinja", ".jinja2", ".j2", ".hbs")
_CAPTURE_LABEL = {"endpoint": "feedback endpoint", "django": "feedback URL route",
                  "slack": "Slack reaction handler", "streamlit": "Streamlit feedback widget",
                  "gradio": "Gradio like/dislike handler", "langsmith": "LangSmith feedback",
                  "braintrust": "Braintrust feedback", "langfuse": "Langfuse score",
                  "ui": "thumbs up/down control"}
_STORING = frozenset({"langsmith", "braintrust", "langfuse"})  # the vendor keeps it

# Named for feedback: "feature_flags" and "FeatureFlag" are rollout switches, not flags on answers.
_NAMED = (r"(?:\w*[Ff]eedback\w*|(?:[Aa]nswer|[Rr]esponse|[Mm]essage|[Cc]hat|[Uu]ser|[Oo]utput)?"
          r"_?(?:[Ff]lag|[Rr]ating|[Vv]ote)s?)(?!\w)")
_STORE = re.compile(
    rf"""(?P<model>\bclass\s+{_NAMED}\s*\((?:[^)]*\b(?:Base|Model|DeclarativeBase|Document|"""
    r"""table\s*=\s*True)\b)[^)]*\))|"""
    rf"""(?P<table>__tablename__\s*=\s*["']{_NAMED}["']|\bTable\(\s*["']{_NAMED}["'])|"""
    r"""(?P<sql>(?i:\b(?:insert\s+into|create\s+table(?:\s+if\s+not\s+exists)?)\s+["`]?"""
    r"""(?:\w+\.)?(?:\w*feedback\w*|(?:answer|response|message|chat|user|output)?_?"""
    r"""(?:flag|rating|vote)s?)\b))|"""
    rf"""(?P<orm_write>\b(?:prisma|db|supabase|firestore)\w*\.{_NAMED}\.(?:create|upsert|"""
    rf"""createMany|insert|insert_one|insertOne|add)\(|\b{_NAMED}\.objects\.create\(|"""
    rf"""\.(?:collection|table|from_|from)\(\s*["']{_NAMED}["']\s*\)\s*\.(?:insert|add|"""
    r"""upsert|set|insert_one|insertOne)\()""")
_WRITE = re.compile(
    r"""\.(?:add|add_all|merge|insert|insert_one|insert_many|insertOne|insertMany|execute|"""
    r"""executemany|put_object|upload_file|upload_fileobj|send_message|publish|lpush|rpush|"""
    r"""xadd|put_item|save|write|writerow|writerows|upsert|appendFile|appendFileSync|"""
    r"""writeFile|writeFileSync)\(|\bjson\.dump\(|\bproducer\.send\(|"""
    r"""\b(?:PutObjectCommand|SendMessageCommand|PutItemCommand)\(""")
_SQL_WRITE = re.compile(r"(?i)\b(?:insert|update|upsert)\b")
# Receivers whose .write() shows or sends, not stores: Streamlit, streams, HTTP responses.
_NOT_STORAGE = frozenset({"st", "stdout", "stderr", "console", "response", "res", "resp",
                          "wfile", "sys", "out", "self"})
_STORE_LABEL = {"model": "feedback table", "table": "feedback table",
                "sql": "SQL write to a feedback table", "orm_write": "database write",
                "write": "write", "vendor": "stored by the vendor"}


class Capture(NamedTuple):
    """Where users can flag an answer, and the code that handles it."""

    hit: Hit
    scope: tuple[int, int]  # lines of the handler (the whole file when unknown)


def feedback_captures(project: Project) -> list[Capture]:
    """Endpoints, handlers, widgets and UI controls that let users flag an answer."""
    return project.shared("feedback.captures", _find_captures)


def _find_captures(project: Project) -> list[Capture]:
    found = _search(project, _CAPTURE, _CAPTURE_WORDS)
    gradio = _mentioning(project, [h.path for h in found if h.kind == "gradio"], "gradio")
    hits = [h for h in found if h.kind != "gradio" or h.path in gradio]  # not SQL .like()
    hits += [h._replace(kind="langfuse") for h in _search(project, _LANGFUSE, ("langfuse",))]
    hits += [h._replace(kind="ui") for h in _search(project, _UI, _UI_WORDS)]
    hits += _markup_hits(project)
    hits += _next_routes(project)
    captures = [Capture(h, _scope(project, h)) for h in hits]
    return sorted(set(captures), key=lambda c: (c.hit.kind == "ui", c.hit.path, c.hit.line))


# Substrings every match of a pattern contains (lowercased), to skip files cheaply.
_CAPTURE_WORDS = ("feedback", "/flag", "flag/", "/rat", "rating/", "rate/", "thumb", "/vote",
                  "vote/", "reaction", ".like(")
_UI_WORDS = ("thumb", "aria-label", "feedback", "onrat", "handlerat", "onvote", "handlevote",
             "onflag", "handleflag")
_STORE_WORDS = ("feedback", "flag", "rating", "vote")

# Every per-file scan below is a function of the file's text alone, kept between runs by
# Project.facts under a query naming the scan and its patterns: on a warm run an unchanged
# file is not read. Which files to scan (by language, suffix, test or not) is decided by the
# callers, never inside a scan.
Row = tuple[int, str]  # (line, matched text)
Function = tuple[str, int, int, int]  # name, first decorator line (0: none), def line, end


def _search(project: Project, pattern: re.Pattern[str], words: tuple[str, ...],
            langs: frozenset[Lang] = signals.CODE) -> tuple[Hit, ...]:
    """``signals.search`` for patterns too branchy to run over every file: only files whose
    lowercased code has one of ``words`` are searched (a substring test costs far less)."""
    def compute(project: Project) -> tuple[Hit, ...]:
        chosen = [s for s in signals.sources(project) if s.lang in langs and not s.test]
        found: dict[str, tuple[tuple[int, str, str], ...]] = {}
        for lang, keep in {(s.lang, s.keep) for s in chosen}:
            query = query_name("feedback.search/1", lang.value, keep, pattern.pattern,
                           pattern.flags, words)
            files = [s.path for s in chosen if s.lang is lang and s.keep is keep]
            found.update(project.facts(files, query, functools.partial(
                _search_text, lang=lang, keep=keep, pattern=pattern, words=words)))
        return tuple(Hit(s.path, *row) for s in chosen for row in found.get(s.path, ()))

    return project.shared(f"feedback.search:{pattern.pattern}", compute)


def _search_text(text: str, *, lang: Lang, keep: bool, pattern: re.Pattern[str],
                 words: tuple[str, ...]) -> tuple[tuple[int, str, str], ...]:
    """(line, matched text, group name) of each match in one file with one of ``words``."""
    lower = text.lower()
    if not any(word in lower for word in words):
        return ()  # blanking comments only removes text
    src = signals.Source("", lang, text, False, keep)
    lower = src.code.lower()
    if not any(word in lower for word in words):
        return ()
    return tuple((src.line_at(m.start()), m.group(0), m.lastgroup or "")
                 for m in pattern.finditer(src.code))


def _mentioning(project: Project, paths: Sequence[str], word: str) -> set[str]:
    """Those of ``paths`` whose text has ``word`` (case-insensitively)."""
    found = project.facts(sorted(set(paths)), query_name("feedback.mentions/1", word),
                          functools.partial(_mentions, word))
    return {rel for rel, yes in found.items() if yes}


def _mentions(word: str, text: str) -> bool:
    return word in text.lower()


def _markup_hits(project: Project) -> list[Hit]:
    files = [rel for rel in project.files
             if rel.lower().endswith(_UI_SUFFIXES) and not signals.is_test_path(rel)]
    found = project.facts(files, query_name("feedback.markup/1", _UI.pattern), _markup_controls)
    return [Hit(rel, line, text, "ui") for rel, rows in found.items() for line, text in rows]


def _markup_controls(text: str) -> tuple[Row, ...]:
    """Thumbs up/down controls in one HTML-like template, outside <!-- comments -->."""
    text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text,
                  flags=re.DOTALL)
    return tuple((text.count("\n", 0, m.start()) + 1, m.group(0)) for m in _UI.finditer(text))


_NEXT_ROUTE = re.compile(rf"(?:^|/)(?:pages|app)/api/(?:[\w\[\]-]+/)*{_SEGMENT}"
                         r"(?:/route)?\.[jt]sx?$")
_HANDLER = re.compile(r"export\s+(?:default\s+)?(?:async\s+)?function\s*(?:POST|PUT|PATCH|"
                      r"handler)?\b|export\s+const\s+(?:POST|PUT|PATCH)\b")


def _next_routes(project: Project) -> list[Hit]:
    files = [s.path for s in signals.sources(project)
             if s.lang is Lang.JAVASCRIPT and not s.test and _NEXT_ROUTE.search(s.path)]
    found = project.facts(files, query_name("feedback.next_route/1", _HANDLER.pattern),
                          _route_handler)
    return [Hit(rel, *row, "endpoint") for rel, row in found.items() if row is not None]


def _route_handler(text: str) -> Row | None:
    """The exported request handler of one Next.js API route."""
    src = signals.Source("", Lang.JAVASCRIPT, text, False)
    match = _HANDLER.search(src.code)
    return (src.line_at(match.start()), match.group(0)) if match else None


def _scope(project: Project, hit: Hit) -> tuple[int, int]:
    """The decorated function a Python capture belongs to; else the whole file."""
    lines = project.facts([hit.path], "feedback.lines/1", _line_count).get(hit.path, 0)
    functions = _functions(project, [hit.path]) if hit.path.endswith(".py") else {}
    for _name, first, line, end in functions.get(hit.path, ()):
        if first and first <= hit.line <= line:
            return first, end
    return 1, lines or 1


def _line_count(text: str) -> int:
    return len(text.splitlines())


def _functions(project: Project, files: Sequence[str]) -> dict[str, tuple[Function, ...]]:
    """The functions of these Python files, in ``ast.walk`` order; a file that does not
    parse has none and is noted."""
    found = project.facts(files, "feedback.functions/1", _python_functions)
    for rel, functions in found.items():
        if functions is None:
            project.note_skipped(rel, "Python that does not parse")
    return {rel: functions or () for rel, functions in found.items()}


def _python_functions(text: str) -> tuple[Function, ...] | None:
    tree = parse_python(text)
    if tree is None:
        return None
    return tuple((node.name, min((d.lineno for d in node.decorator_list), default=0),
                  node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def _named_stores(project: Project) -> list[Hit]:
    """Storage named for feedback anywhere: a table, a model, an insert."""
    return project.shared("feedback.named_stores", lambda p: [
        *_search(p, _STORE, _STORE_WORDS, signals.ANY), *_prisma_models(p)])


def _stores_in(project: Project, rel: str) -> list[Hit]:
    """Feedback-named storage and generic writes in one file (writes are judged only where
    a handler or a function it calls makes them)."""
    found = signals.source(project, rel)
    if found is None:
        return []
    query = query_name("feedback.writes/1", found.lang.value, found.keep, _WRITE.pattern,
                   _SQL_WRITE.pattern, sorted(_NOT_STORAGE))
    rows = project.facts([rel], query, functools.partial(
        _writes, lang=found.lang, keep=found.keep)).get(rel, ())
    writes = [Hit(rel, line, text, "write") for line, text in rows]
    return [*(h for h in _named_stores(project) if h.path == rel), *writes]


def _writes(text: str, *, lang: Lang, keep: bool) -> tuple[Row, ...]:
    """Writes that may store something in one file: not ``st.write(`` (shows) nor an
    ``execute(`` that does not insert or update."""
    src = signals.Source("", lang, text, False, keep)
    found = []
    for match in _WRITE.finditer(src.code):
        line, call = src.line_at(match.start()), match.group(0)
        if _receiver(src.line(line), call) in _NOT_STORAGE:
            continue
        if call.endswith(("execute(", "executemany(")) and \
                not _SQL_WRITE.search(statement_at(src, line)):
            continue
        found.append((line, call))
    return tuple(found)


def _receiver(line: str, call: str) -> str:
    """The name just before ``.write(`` on the line: ``st`` in ``st.write(``."""
    match = re.search(rf"(\w+)\s*{re.escape(call)}", line)
    return match.group(1) if match else ""


_PRISMA_MODEL = re.compile(rf"^model\s+{_NAMED}\s*\{{", re.MULTILINE)


def _prisma_models(project: Project) -> list[Hit]:
    files = [rel for rel in project.files if rel.endswith(".prisma")]
    found = project.facts(files, query_name("feedback.prisma/1", _PRISMA_MODEL.pattern),
                          _prisma_text)
    return [Hit(rel, line, text, "model") for rel, rows in found.items() for line, text in rows]


def _prisma_text(text: str) -> tuple[Row, ...]:
    return tuple((text.count("\n", 0, m.start()) + 1, m.group(0))
                 for m in _PRISMA_MODEL.finditer(text))


def _defined(project: Project) -> list[tuple[str, str]]:
    """(word after ``def ``, file) of the Python files outside tests, sorted: the files
    whose code has ``def name`` are those with a word starting with ``name``."""
    files = [s.path for s in signals.sources(project)
             if s.lang is Lang.PYTHON and not s.test]
    found = project.facts(files, "feedback.defs/1", _def_words)
    return sorted((word, rel) for rel, words in found.items() for word in words)


def _def_words(text: str) -> tuple[str, ...]:
    """The words that follow each ``def `` in one Python file's code (comments blanked)."""
    if "def " not in text:
        return ()
    code = signals.blank_comments(text, Lang.PYTHON)
    return tuple(sorted({m.group(1) for m in _DEF_WORD.finditer(code)} - {""}))


_DEF_WORD = re.compile(r"def (?=(\w*))")


def _functions_named(project: Project, name: str) -> list[tuple[str, int, int]]:
    """Python functions called ``name`` outside tests: file, first and last line. Only
    files that contain ``def name`` are parsed."""
    defined = project.shared("feedback.defined", _defined)
    files = set()
    at = bisect.bisect_left(defined, (name,))
    while at < len(defined) and defined[at][0].startswith(name):
        files.add(defined[at][1])
        at += 1
    functions = _functions(project, sorted(files))
    return [(rel, line, end) for rel in sorted(files)
            for function, _first, line, end in functions.get(rel, ()) if function == name]


def _handler_words(project: Project, hit: Hit, scope: tuple[int, int]
                   ) -> tuple[frozenset[str], set[str]]:
    """The words of the capture's handler (its lines ``scope``), and the names it may call:
    called in the handler, or named in the capture's statement (HTML-like templates, not
    source files, have no statement)."""
    found = signals.source(project, hit.path)
    lang, keep = (found.lang, found.keep) if found else (None, False)
    query = query_name("feedback.handler/1", lang.value if lang else "", keep, scope, hit.line)
    words, names = project.facts([hit.path], query, functools.partial(
        _handler_text, lang=lang, keep=keep, scope=scope, line=hit.line)
    ).get(hit.path, ((), ()))
    return frozenset(words), set(names)


def _handler_text(text: str, *, lang: Lang | None, keep: bool, scope: tuple[int, int],
                  line: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    body = "\n".join(text.splitlines()[scope[0] - 1: scope[1]])
    # Handlers named by reference: path("feedback/", views.feedback), chatbot.like(vote).
    statement = statement_at(signals.Source("", lang, text, False, keep), line) if lang else ""
    names = set(re.findall(r"\b(\w+)\s*\(", body)) | set(re.findall(r"\w+", statement))
    return tuple(sorted(set(re.findall(r"\w+", body)))), tuple(sorted(names))


def _inside(hit: Hit, path: str, scope: tuple[int, int]) -> bool:
    return hit.path == path and scope[0] <= hit.line <= scope[1]


def _storage_for(project: Project, capture: Capture) -> list[Hit]:
    """What stores this capture's flags: a write in its handler or its file's feedback
    storage, the feedback table it names, or a write in a function its handler calls."""
    hit, scope = capture.hit, capture.scope
    if hit.kind in _STORING:
        return [hit._replace(kind="vendor")]
    named = _named_stores(project)
    local = _stores_in(project, hit.path)
    found = [s for s in local if s.kind != "write"][:1] or [
        w for w in local if _inside(w, hit.path, scope)][:1]
    words, names = _handler_words(project, hit, scope)
    for store in named:
        entity = re.search(rf"\bclass\s+({_NAMED})", store.text)
        # a whole word of the handler (the entity is one: \b{entity}\b)
        if store.kind == "model" and entity and entity.group(1) in words:
            found.append(store)
            break
    return found or _called_storage(project, hit.path, scope, names)


def _called_storage(project: Project, path: str, scope: tuple[int, int],
                    names: set[str]) -> list[Hit]:
    """A store inside a function that the handler calls by name (one level deep)."""
    for name in sorted(names):
        for where, first, last in _functions_named(project, name):
            if where == path and scope[0] <= first <= scope[1]:
                continue  # the handler itself or a function nested in it
            for store in _stores_in(project, where):
                if _inside(store, where, (first, last)):
                    return [store]
    return []


@check(
    code="QUA007",
    gap=Gap.QUALITY,
    title="Can users flag a wrong answer, and is the flag stored for improvement?",
    remediation="Give users a way to flag a wrong answer (a thumbs-down button or a /feedback "
                "endpoint) and store each flag with the request id in a table, queue or "
                "LangSmith/Langfuse so it feeds prompt and data fixes.",
)
def feedback_loop(project: Project, config: Config) -> Finding:
    """What it checks:
    A way for users to flag an answer: an HTTP endpoint such as POST `/feedback`, `/flag`
    or `/rating` (FastAPI, Flask, Django, Express, Next.js API routes), a thumbs up/down
    control (aria-labels, `onFeedback`/`handleThumbsDown` handlers, thumb icons), Streamlit
    `st.feedback`, a Gradio `.like` handler, a Slack `reaction_added` handler, LangSmith
    `create_feedback`, Langfuse `score`. And that the flag is stored: the handler writes to
    a database (a `Feedback`/`Flag`/`Rating` ORM model, an `INSERT INTO feedback`, a Prisma
    or Mongo write), a queue, a bucket or a file, directly or through a function it calls;
    LangSmith, Langfuse and Braintrust store it themselves. Comments, tests and functions
    merely named after feedback do not count. `evidence.feedback-loop` in readiness.yaml is
    used when the code shows no stored loop.

    Why it matters:
    Production inputs are messier than the pilot's. Users see the wrong answers first; if
    they cannot flag them, or the flags vanish into a log, nobody learns which cases fail
    and the eval set never grows the examples that matter.

    How to fix:
    Add a thumbs-down (or "report this answer") control that posts the answer's id, the
    verdict and an optional comment to an endpoint, store it in a feedback table or send it
    to LangSmith/Langfuse, and review the flags weekly to extend the eval set and prompts.
    """
    captures = feedback_captures(project)
    named = _named_stores(project)
    for capture in captures:
        stores = _storage_for(project, capture)
        if stores:
            return _loop(capture.hit, stores)
    if captures:
        hit = captures[0].hit
        label = _CAPTURE_LABEL[hit.kind]
        partial = warned(f"feedback is captured at {hit.path}:{hit.line} ({label}) but not "
                         "stored", hit.evidence(label), credit=Credit.ENFORCED)
        return signals.code_or_config(project, config, "feedback-loop", partial, partial)
    if not llmusage.uses_llm(project) and not named:
        return not_applicable("no LLM usage found and no feedback handling")
    stored = [h.evidence(_STORE_LABEL[h.kind]) for h in named[:1]]
    lead = (f"a feedback store exists ({named[0].path}:{named[0].line}) but "
            if named else "")
    return signals.code_or_config(project, config, "feedback-loop", None, failed(
        f"{lead}users cannot flag a wrong answer: no feedback endpoint, thumbs up/down "
        "control, Slack reaction handler or LangSmith/Langfuse feedback call found", *stored))


def _loop(hit: Hit, stores: Sequence[Hit]) -> Finding:
    label = _CAPTURE_LABEL[hit.kind]
    if stores[0].kind == "vendor":
        return passed(f"feedback is captured and stored at {hit.path}:{hit.line} ({label})",
                      hit.evidence(label))
    where = ", ".join(f"{s.path}:{s.line} ({_STORE_LABEL[s.kind]})" for s in stores)
    return passed(f"feedback is captured at {hit.path}:{hit.line} ({label}) and stored at "
                  f"{where}", hit.evidence(label),
                  *(s.evidence(_STORE_LABEL[s.kind]) for s in stores))


CHECKS = (feedback_loop,)
