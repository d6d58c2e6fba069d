"""feedback-loop: users can flag wrong answers, and the flags are stored to improve."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import NamedTuple

from readiness import signals
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
from readiness.project import Project
from readiness.signals import Hit, Lang

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
    hits = [h for h in _search(project, _CAPTURE, _CAPTURE_WORDS)
            if h.kind != "gradio" or _mentions(project, h.path, "gradio")]  # not SQL .like()
    hits += [h._replace(kind="langfuse") for h in _search(project, _LANGFUSE, ("langfuse",))]
    hits += [h._replace(kind="ui") for h in _search(project, _UI, _UI_WORDS)]
    hits += _markup_hits(project)
    hits += _next_routes(project)
    found = [Capture(h, _scope(project, h)) for h in hits]
    return sorted(set(found), key=lambda c: (c.hit.kind == "ui", c.hit.path, c.hit.line))


# Substrings every match of a pattern contains (lowercased), to skip files cheaply.
_CAPTURE_WORDS = ("feedback", "/flag", "flag/", "/rat", "rating/", "rate/", "thumb", "/vote",
                  "vote/", "reaction", ".like(")
_UI_WORDS = ("thumb", "aria-label", "feedback", "onrat", "handlerat", "onvote", "handlevote",
             "onflag", "handleflag")
_STORE_WORDS = ("feedback", "flag", "rating", "vote")


def _search(project: Project, pattern: re.Pattern[str], words: tuple[str, ...],
            langs: frozenset[Lang] = signals.CODE) -> tuple[Hit, ...]:
    """``signals.search`` for patterns too branchy to run over every file: only files whose
    lowercased code has one of ``words`` are searched (a substring test costs far less)."""
    def compute(project: Project) -> tuple[Hit, ...]:
        hits = []
        for src in signals.sources(project):
            if src.lang not in langs or src.test:
                continue
            lower = src.code.lower()
            if any(word in lower for word in words):
                hits += [Hit(src.path, src.line_at(m.start()), m.group(0), m.lastgroup or "")
                         for m in pattern.finditer(src.code)]
        return tuple(hits)

    return project.shared(f"feedback.search:{pattern.pattern}", compute)


def _mentions(project: Project, rel: str, word: str) -> bool:
    return word in (project.text(rel) or "").lower()


def _markup_hits(project: Project) -> list[Hit]:
    hits: list[Hit] = []
    for rel in project.files:
        if not rel.lower().endswith(_UI_SUFFIXES) or signals.is_test_path(rel):
            continue
        text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                      project.text(rel) or "", flags=re.DOTALL)
        for match in _UI.finditer(text):
            hits.append(Hit(rel, text.count("\n", 0, match.start()) + 1, match.group(0), "ui"))
    return hits


_NEXT_ROUTE = re.compile(rf"(?:^|/)(?:pages|app)/api/(?:[\w\[\]-]+/)*{_SEGMENT}"
                         r"(?:/route)?\.[jt]sx?$")
_HANDLER = re.compile(r"export\s+(?:default\s+)?(?:async\s+)?function\s*(?:POST|PUT|PATCH|"
                      r"handler)?\b|export\s+const\s+(?:POST|PUT|PATCH)\b")


def _next_routes(project: Project) -> list[Hit]:
    hits = []
    for src in signals.sources(project):
        if src.lang is Lang.JAVASCRIPT and not src.test and _NEXT_ROUTE.search(src.path):
            match = _HANDLER.search(src.code)
            if match:
                hits.append(Hit(src.path, src.line_at(match.start()), match.group(0),
                                "endpoint"))
    return hits


def _scope(project: Project, hit: Hit) -> tuple[int, int]:
    """The decorated function a Python capture belongs to; else the whole file."""
    everything = (1, len(project.lines(hit.path)) or 1)
    tree = project.python_ast(hit.path) if hit.path.endswith(".py") else None
    if tree is None:
        return everything
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
            first = min(d.lineno for d in node.decorator_list)
            if first <= hit.line <= node.lineno:
                return first, node.end_lineno or node.lineno
    return everything


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
    writes = [Hit(rel, found.line_at(m.start()), m.group(0), "write")
              for m in _WRITE.finditer(found.code)]
    writes = [h for h in writes if _receiver(project, h) not in _NOT_STORAGE and (
        not h.text.endswith(("execute(", "executemany("))
        or _SQL_WRITE.search(signals.statement(project, h)))]
    return [*(h for h in _named_stores(project) if h.path == rel), *writes]


def _receiver(project: Project, hit: Hit) -> str:
    """The name just before ``.write(`` on the hit's line: ``st`` in ``st.write(``."""
    found = signals.source(project, hit.path)
    line = found.line(hit.line) if found else ""
    match = re.search(rf"(\w+)\s*{re.escape(hit.text)}", line)
    return match.group(1) if match else ""


def _prisma_models(project: Project) -> list[Hit]:
    pattern = re.compile(rf"^model\s+{_NAMED}\s*\{{", re.MULTILINE)
    hits = []
    for rel in project.files:
        if rel.endswith(".prisma"):
            text = project.text(rel) or ""
            hits += [Hit(rel, text.count("\n", 0, m.start()) + 1, m.group(0), "model")
                     for m in pattern.finditer(text)]
    return hits


def _functions_named(project: Project, name: str) -> list[tuple[str, int, int]]:
    """Python functions called ``name`` outside tests: file, first and last line. Only
    files that contain ``def name`` are parsed."""
    found = []
    for src in signals.sources(project):
        if src.lang is not Lang.PYTHON or src.test or f"def {name}" not in src.code:
            continue
        tree = project.python_ast(src.path)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                found.append((src.path, node.lineno, node.end_lineno or node.lineno))
    return found


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
    body = "\n".join(project.lines(hit.path)[scope[0] - 1: scope[1]])
    for store in named:
        entity = re.search(rf"\bclass\s+({_NAMED})", store.text)
        if store.kind == "model" and entity and re.search(rf"\b{entity.group(1)}\b", body):
            found.append(store)
            break
    # Handlers named by reference: path("feedback/", views.feedback), chatbot.like(vote).
    names = set(re.findall(r"\b(\w+)\s*\(", body)) | set(
        re.findall(r"\w+", signals.statement(project, hit)))
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
    if not signals.uses_llm(project) and not named:
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
