"""Where users' flags are stored (feedback-loop): storage named for feedback (ORM models,
tables, SQL, Prisma models, ORM and document-store writes) and generic writes (database,
queue, bucket, file) in a capture's handler or in a function it calls by name; vendors that
keep the feedback themselves (LangSmith, Braintrust, Langfuse) store it.
"""

from __future__ import annotations

import bisect
import functools
import re

from readiness.project import signals
from readiness.project.signals import Hit, Lang, query_name, statement_at
from readiness.project.snapshot import Project
from readiness.project.sourcetext import gate_words, split_lines

from .feedbackcapture import Capture
from .feedbackscan import Alternatives, Row, functions_of, gated_search, search_later

# the vendor, or the chat framework's data layer, keeps it
_STORING = frozenset({"langsmith", "braintrust", "langfuse", "chainlit"})

# Named for feedback: "feature_flags" and "FeatureFlag" are rollout switches, not flags on answers.
NAMED = (r"(?:\w*[Ff]eedback\w*|(?:[Aa]nswer|[Rr]esponse|[Mm]essage|[Cc]hat|[Uu]ser|[Oo]utput)?"
          r"_?(?:[Ff]lag|[Rr]ating|[Vv]ote)s?)(?!\w)")
_TABLE_NAME = (r"""(?:\w+\.)?(?:\w*feedback\w*|(?:answer|response|message|chat|user|output)?_?"""
               r"""(?:flag|rating|vote)s?)\b""")
_STORE_WRITE = r"""\.(?:create|upsert|createMany|insert|insert_one|insertOne|add)\("""
_STORE = Alternatives([  # each starts with a literal (see Alternatives)
    ("model", rf"""class(?<=\bclass)\s+{NAMED}\s*\((?:[^)]*\b(?:Base|Model|DeclarativeBase|"""
              r"""Document|table\s*=\s*True)\b)[^)]*\)""", "class"),
    ("table", rf"""__tablename__\s*=\s*["']{NAMED}["']""", "__tablename__"),
    ("table", rf"""Table(?<=\bTable)\(\s*["']{NAMED}["']""", "Table("),
    # any case: the first letter by a class (a case-blind letter is no literal to skip to)
    ("sql", rf"""[Ii](?<=\b[Ii])(?i:nsert\s+into\s+["`]?{_TABLE_NAME})""", ""),
    ("sql", r"""[Cc](?<=\b[Cc])(?i:reate\s+table(?:\s+if\s+not\s+exists)?\s+["`]?"""
            rf"""{_TABLE_NAME})""", ""),
    ("orm_write", r"""(?:prisma(?<=\bprisma)|db(?<=\bdb)|supabase(?<=\bsupabase)|"""
                  rf"""firestore(?<=\bfirestore))\w*\.{NAMED}{_STORE_WRITE}""", ""),
    ("orm_write", rf"""\b{NAMED}\.objects\.create\(""", ".objects.create("),
    ("orm_write", rf"""\.(?:collection|table|from_|from)\(\s*["']{NAMED}["']\s*\)\s*\.(?:insert|"""
                  r"""add|upsert|set|insert_one|insertOne)\(""", ""),
])
_WRITE = re.compile(
    r"""\.(?:add|add_all|merge|insert|insert_one|insert_many|insertOne|insertMany|execute|"""
    r"""executemany|put_object|upload_file|upload_fileobj|send_message|publish|lpush|rpush|"""
    r"""xadd|put_item|save|write|writerow|writerows|upsert|appendFile|appendFileSync|"""
    r"""writeFile|writeFileSync)\(|\bjson\.dump\(|\bproducer\.send\(|"""
    r"""\b(?:PutObjectCommand|SendMessageCommand|PutItemCommand)\(""")
# SQL that writes, or a SQLAlchemy statement that does (``insert(Model).values(...)``, and
# the upserts only an insert statement has)
_SQL_WRITE = re.compile(r"(?i)\b(?:insert|update|upsert)\b|\.on_conflict_do_(?:update|nothing)\("
                        r"|\.on_duplicate_key_update\(")
# ``session.execute(statement)``: the name of the statement executed
_EXECUTED_NAME = re.compile(r"\.execute(?:many)?\(\s*(\w+)\s*[,)]")
# Receivers whose .write() shows or sends, not stores: Streamlit, streams, HTTP responses.
_NOT_STORAGE = frozenset({"st", "stdout", "stderr", "console", "response", "res", "resp",
                          "wfile", "sys", "out", "self"})
# Substrings every match of a pattern contains (lowercased), to skip files cheaply.
_STORE_WORDS = gate_words(("feedback", "flag", "rating", "vote"))


def stores_later(project: Project) -> None:
    """Start the search of ``named_stores`` for the workers' idle moments."""
    search_later(project, _STORE, _STORE_WORDS, signals.ANY)


def named_stores(project: Project) -> list[Hit]:
    """Storage named for feedback anywhere: a table, a model, an insert."""
    return project.shared("feedback.named_stores", lambda p: [
        *gated_search(p, _STORE, _STORE_WORDS, signals.ANY), *_prisma_models(p)])


def _stores_in(project: Project, rel: str) -> list[Hit]:
    """Feedback-named storage and generic writes in one file (writes are judged only where
    a handler or a function it calls makes them)."""
    found = signals.source(project, rel)
    if found is None:
        return []
    query = query_name("feedback.writes/3", found.lang.value, found.keep, _WRITE.pattern,
                   _SQL_WRITE.pattern, sorted(_NOT_STORAGE))
    rows = project.facts([rel], query, functools.partial(
        _writes, lang=found.lang, keep=found.keep)).get(rel, ())
    writes = [Hit(rel, line, text, "write") for line, text in rows]
    return [*(h for h in named_stores(project) if h.path == rel), *writes]


def _writes(text: str, *, lang: Lang, keep: bool) -> tuple[Row, ...]:
    """Writes that may store something in one file: not ``st.write(`` (shows) nor an
    ``execute(`` that does not insert or update."""
    src = signals.Source("", lang, text, False, keep)
    found = []
    for match in _WRITE.finditer(src.code):
        line, call = src.line_at(match.start()), match.group(0)
        if _receiver(src.line(line), call) in _NOT_STORAGE:
            continue
        if call == ".send_message(" and _MAIL.search(text):
            continue  # mail to a person's inbox: read once, not kept for improvement
        if call.endswith(("execute(", "executemany(")) and not _executes_a_write(src, line):
            continue
        found.append((line, call))
    return tuple(found)


def _executes_a_write(src: signals.Source, line: int) -> bool:
    """Does the ``execute(`` on ``line`` write: SQL or a statement that writes, written in
    the call or bound to the name it executes, by the last assignment of that name before
    (``stmt = insert(Feedback).values(...)``, then ``session.execute(stmt)``)?"""
    statement = statement_at(src, line)
    if _SQL_WRITE.search(statement):
        return True
    executed = _EXECUTED_NAME.search(statement)
    if executed is None:
        return False
    bound = re.compile(rf"^\s*{re.escape(executed.group(1))}\s*(?::[^=]*)?=(?!=)")
    for number in range(line - 1, max(0, line - _LOOK_BACK), -1):
        if bound.match(src.line(number)):
            return _SQL_WRITE.search(statement_at(src, number)) is not None
    return False


_LOOK_BACK = 60  # lines looked back for the statement an execute( runs


_MAIL = re.compile(r"\bsmtplib\b|\bEmailMessage\b|\bsendgrid\b|\bMIMEText\b")


def _receiver(line: str, call: str) -> str:
    """The name just before ``.write(`` on the line: ``st`` in ``st.write(``."""
    match = re.search(rf"(\w+)\s*{re.escape(call)}", line)
    return match.group(1) if match else ""


_PRISMA_MODEL = re.compile(rf"^model\s+{NAMED}\s*\{{", re.MULTILINE)


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
    functions = functions_of(project, sorted(files))
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
    body = "\n".join(split_lines(text)[scope[0] - 1: scope[1]])
    # Handlers named by reference: path("feedback/", views.feedback), chatbot.like(vote).
    statement = statement_at(signals.Source("", lang, text, False, keep), line) if lang else ""
    names = set(re.findall(r"\b(\w+)\s*\(", body)) | set(re.findall(r"\w+", statement))
    return tuple(sorted(set(re.findall(r"\w+", body)))), tuple(sorted(names))


def _inside(hit: Hit, path: str, scope: tuple[int, int]) -> bool:
    return hit.path == path and scope[0] <= hit.line <= scope[1]


def storage_for(project: Project, capture: Capture) -> list[Hit]:
    """What stores this capture's flags: a write in its handler or its file's feedback
    storage, the feedback table it names, or a write in a function its handler calls."""
    hit, scope = capture.hit, capture.scope
    if hit.kind in _STORING:
        return [hit._replace(kind="vendor")]
    if hit.kind == "api":  # sent to a service's feedback API, which keeps it
        return [hit]
    named = named_stores(project)
    local = _stores_in(project, hit.path)
    found = [s for s in local if s.kind != "write"][:1] or [
        w for w in local if _inside(w, hit.path, scope)][:1]
    words, names = _handler_words(project, hit, scope)
    for store in named:
        entity = re.search(rf"\bclass\s+({NAMED})", store.text)
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
