"""Facts the adoption checks read from code: imports, HTTP routes, calls and manifests.

Python is read through its AST, JavaScript and TypeScript line by line; nothing is imported
or run. Test code is left out: a flag SDK used only in a test does not roll anything out.
Built once per run and shared by the checks; each file's facts are kept between runs, so an
unchanged file is neither read nor parsed again.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from readiness.llmcalls.syntax import walk
from readiness.model import Evidence
from readiness.project.regexwords import from_word
from readiness.project.signals import query_name
from readiness.project.snapshot import Project, parse_python
from readiness.project.sourcetext import split_lines

from .docs import TEST_PATH

PY = (".py",)
JS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")
WEB_FRAMEWORKS = {"fastapi": "FastAPI", "flask": "Flask", "starlette": "Starlette",
                  "quart": "Quart", "sanic": "Sanic", "litestar": "Litestar",
                  "aiohttp": "aiohttp", "express": "Express", "fastify": "Fastify"}
_ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route",
                            "websocket", "head", "options", "all"})
# Calls the checks look at: analytics events, usage metrics, feature-flag evaluations.
CALLS = frozenset({"track", "capture", "log_event", "logEvent", "create_counter",
                   "create_up_down_counter", "create_histogram", "create_gauge",
                   "create_observable_gauge", "Counter", "Gauge", "Histogram", "Summary",
                   "variation", "is_enabled", "isEnabled", "is_feature_enabled",
                   "get_boolean_value", "getBooleanValue", "is_on", "isOn", "check_gate",
                   "get_treatment", "chat_postMessage", "postMessage"})
_JS_IMPORT = re.compile(r"""(?:\bfrom\s+|\brequire\(\s*|\bimport\s*\(?\s*)"""
                        r"""['"]([^'"./][^'"]*)['"]""")
_JS_ROUTE = re.compile(r"""\b\w+\.(get|post|put|patch|delete|all)\(\s*['"`](/[^'"`]*)""")
_JS_CALL = re.compile(r"""\b(\w+)\.(\w+)\(\s*(?:['"`]([^'"`]*)['"`])?""")
_CRON = re.compile(r"^\s*-?\s*cron\s*:|^\s*kind\s*:\s*CronJob\b|^\s*schedule_interval\s*[:=]",
                   re.MULTILINE)
_SCHEDULERS = ("airflow", "prefect", "dagster", "luigi", "apscheduler", "schedule")
# Where a batch job's output reaches people: their system of record, or a chat message.
SYSTEMS_OF_RECORD = {
    "simple_salesforce": "Salesforce", "hubspot": "HubSpot", "zenpy": "Zendesk",
    "jira": "Jira", "atlassian": "Jira/Confluence", "pysnow": "ServiceNow",
    "notion_client": "Notion", "pyairtable": "Airtable", "pipedrive": "Pipedrive",
    "gspread": "Google Sheets", "msgraph": "Microsoft 365", "O365": "Microsoft 365",
    "pyzotero": "Zotero", "xero_python": "Xero", "intuitlib": "QuickBooks",
    "@hubspot/api-client": "HubSpot", "jsforce": "Salesforce", "@notionhq/client": "Notion",
    "airtable": "Airtable", "jira-client": "Jira", "node-zendesk": "Zendesk",
}
CHAT_MESSAGES = {"slack_sdk": "Slack", "@slack/web-api": "Slack", "pymsteams": "Microsoft Teams",
                 "discord_webhook": "Discord"}
_CHAT_CALLS = ("chat_postMessage", "postMessage")  # Slack's; the other clients only post


@dataclass(frozen=True)
class Site:
    """Something found in code: a module imported, a route, a call (with its first string)."""

    path: str
    line: int
    name: str
    arg: str = ""

    def at(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


@dataclass(frozen=True)
class CodeFacts:
    imports: tuple[Site, ...]  # name: top-level Python module or npm package
    routes: tuple[Site, ...]  # name: framework, arg: the route
    calls: tuple[Site, ...]  # name: the function or method called
    mains: tuple[Site, ...]  # `if __name__ == "__main__":` blocks

    def importing(self, *modules: str) -> list[Site]:
        return [s for s in self.imports if s.name in modules]

    def files_importing(self, *modules: str) -> set[str]:
        return {s.path for s in self.importing(*modules)}

    def calls_in(self, files: set[str], *names: str) -> list[Site]:
        return [s for s in self.calls if s.path in files and s.name in names]


def code_facts(project: Project) -> CodeFacts:
    return project.shared("adoption.code", _collect)


def code_files(project: Project, suffixes: tuple[str, ...] = PY + JS) -> Iterator[str]:
    generated = project.generated
    return (f for f in project.with_suffix(*suffixes)
            if not TEST_PATH.search(f) and f not in generated)


# What makes a Python file worth parsing: an import of a module whose sites the checks read;
# an import of a web framework, with a route decorator or a page-serving submodule; an entry
# point. Calls are read only in files importing the modules they belong to (flag SDKs,
# analytics, metrics, chat clients): a file that only calls ``is_on`` adds nothing.
Interesting = tuple[frozenset[str], frozenset[str], frozenset[str]]
_WORD = re.compile(r"\w+")
_ENTRY_WORDS = ("__main__", "urlpatterns")
_ENTRY_SEARCHES = tuple(zip(_ENTRY_WORDS, from_word(*_ENTRY_WORDS), strict=True))
# A decorator and the lines after it up to the next decorator, ``def`` or ``class`` (at most
# 30: the search stays linear whatever the file holds): a route decorator is
# ``@something.get(...)`` or like it, however its call is laid out.
_DECORATOR = re.compile(r"^[ \t]*@([^\n]*(?:\n(?![ \t]*(?:@|(?:async[ \t]+)?def\b|class\b))"
                        r"[^\n]*){0,30})", re.MULTILINE)
_ROUTE_ATTRIBUTE = re.compile(r"\.\s*(?:" + "|".join(sorted(_ROUTE_METHODS)) + r")\b")


def _interesting() -> Interesting:
    """The modules the adoption checks read the sites of (imports, and calls in files that
    import them); the web frameworks, which matter for their routes and pages; and the
    words of the page-serving submodules (``fastapi.templating``...)."""
    from readiness.checks.adoption.audience import REPL_MODULES
    from readiness.checks.adoption.launch import FLAG_SDKS
    from readiness.checks.adoption.metrics import ANALYTICS, METRICS
    from readiness.checks.adoption.surface import IN_TOOL_MODULES, UI_MODULES, WEB_PAGES

    modules = {*_SCHEDULERS, *IN_TOOL_MODULES, *UI_MODULES, *FLAG_SDKS, *ANALYTICS, *METRICS,
               *SYSTEMS_OF_RECORD, *CHAT_MESSAGES, *REPL_MODULES}
    web = {*WEB_FRAMEWORKS, "django", *(m.split(".")[0] for m in WEB_PAGES)}
    pages = {part for m in WEB_PAGES for part in m.split(".")[1:]}

    def first_parts(names: set[str]) -> frozenset[str]:
        # a dotted module is looked for by its first part; npm package names never import
        return frozenset(n.split(".")[0] for n in names if n.split(".")[0].isidentifier())
    return first_parts(modules), first_parts(web), frozenset(pages)


def _worth_parsing(text: str, interesting: Interesting) -> bool:
    """Does ``text`` import one of the modules, import a web framework and have a route
    decorator or import a page-serving part of it, or have an entry point? Files without
    are not parsed: most of a big repository (Home Assistant imports aiohttp in hundreds of
    files, as an HTTP client)."""
    modules, web, pages = interesting
    imported = _imported_words(text)
    if not modules.isdisjoint(imported):
        return True
    # A substring test first (C speed; most files stop there), then the regex, which starts
    # with the word and looks back for its boundary: a regex starting with \b is tried at
    # every position of the text, one starting with a literal skips to it (20 x faster).
    for word, search in _ENTRY_SEARCHES:
        if word in text and search.search(text):
            return True
    if web.isdisjoint(imported):
        return False
    if not pages.isdisjoint(imported):
        return True
    return "@" in text and any(_ROUTE_ATTRIBUTE.search(m.group(1))
                               for m in _DECORATOR.finditer(text))


def _imported_words(text: str) -> set[str]:
    """The words that follow ``import`` or ``from`` on a line that starts with one of them,
    up to a ``#``: where an imported module's name can be. (Found by ``str.find``, not a
    regular expression tried at every position: the modules asked about are about a hundred,
    and a substring test for each cost four times this on Home Assistant. The lines' tails
    are searched for words at once, joined by spaces: Home Assistant's 6,725 files 0.29 ->
    0.22 s.)"""
    tails: list[str] = []
    for keyword in ("import ", "from "):
        size = len(keyword)
        at = text.find(keyword)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            if start == at or text[start:at].isspace():
                comment = text.find("#", at, end)
                tails.append(text[at + size:end if comment < 0 else comment])
            at = text.find(keyword, end)
    return set(_WORD.findall(" ".join(tails)))


Row = tuple[int, str, str]  # line, name, arg
# A file's imports, routes, calls and `__main__` blocks; None: Python that does not parse.
FileFacts = tuple[tuple[Row, ...], tuple[Row, ...], tuple[Row, ...], tuple[Row, ...]]
_NOTHING: FileFacts = ((), (), (), ())
# What the per-file answers depend on besides the text: bump the versions when the code does.
_PY_QUERY = ("adoption.code.python/5", sorted(CALLS), sorted(WEB_FRAMEWORKS.items()),
             sorted(_ROUTE_METHODS), _DECORATOR.pattern, _ROUTE_ATTRIBUTE.pattern)
_JS_QUERY = ("adoption.code.script/2", sorted(CALLS), sorted(WEB_FRAMEWORKS.items()),
             _JS_IMPORT.pattern, _JS_ROUTE.pattern, _JS_CALL.pattern)


def _collect(project: Project) -> CodeFacts:
    files = list(code_files(project))
    python = [f for f in files if f.endswith(PY)]
    interesting = _interesting()
    found: dict[str, FileFacts | None] = {}
    found.update(project.facts(python, query_name(*_PY_QUERY, *map(sorted, interesting)),
                               functools.partial(_python, interesting=interesting)))
    found.update(project.facts([f for f in files if not f.endswith(PY)], query_name(*_JS_QUERY),
                               _javascript))
    imports: list[Site] = []
    routes: list[Site] = []
    calls: list[Site] = []
    mains: list[Site] = []
    for rel in files:
        if rel not in found:
            continue
        answer = found[rel]
        if answer is None:
            project.note_skipped(rel, "Python that does not parse")
            continue
        for bucket, rows in zip((imports, routes, calls, mains), answer, strict=True):
            bucket += [Site(rel, *row) for row in rows]
    return CodeFacts(tuple(imports), tuple(routes), tuple(calls), tuple(mains))


def _python(text: str, interesting: Interesting) -> FileFacts | None:
    if not _worth_parsing(text, interesting):
        return _NOTHING
    tree = parse_python(text)
    if tree is None:
        return None
    imports: list[Row] = []
    calls: list[Row] = []
    mains: list[Row] = []
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []  # for routes: one walk
    assigns: list[ast.Assign] = []
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(node)
        elif isinstance(node, ast.Assign):
            assigns.append(node)
        elif isinstance(node, ast.Import):
            imports += [(node.lineno, a.name.split(".")[0], a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            root = node.module.split(".")[0]
            imports.append((node.lineno, root, node.module))
            # ``from flask import render_template``: the page-serving function, by name
            imports += [(node.lineno, root, f"{node.module}.{a.name}") for a in node.names
                        if a.name in interesting[2]]
        elif isinstance(node, ast.Call):
            name = _callee(node.func)
            if name in CALLS:
                calls.append((node.lineno, name, _first_string(node)))
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            mains.append((node.lineno, "__main__", ""))
    routes: list[Row] = []
    framework = _framework(n for _, n, _ in imports)
    if framework:
        routes = _python_routes(functions, framework)
    elif any(n == "django" for _, n, _ in imports):
        routes = [(n.lineno, "Django", "urlpatterns") for n in assigns
                  if any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in n.targets)]
    return tuple(imports), tuple(routes), tuple(calls), tuple(mains)


def _framework(imported: Iterable[str]) -> str | None:
    """The web framework whose routes a file declares: aiohttp only when no other is
    imported (it is as often the HTTP client of a FastAPI or Flask app)."""
    found = [WEB_FRAMEWORKS[name] for name in imported if name in WEB_FRAMEWORKS]
    return next((name for name in found if name != "aiohttp"), found[0] if found else None)


def _python_routes(functions: list[ast.FunctionDef | ast.AsyncFunctionDef], framework: str
                   ) -> list[Row]:
    found = []
    for node in functions:
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in _ROUTE_METHODS
                    and _first_string(decorator).startswith("/")):
                found.append((decorator.lineno, framework, _first_string(decorator)))
    return sorted(found, key=lambda row: row[0])


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _first_string(call: ast.Call) -> str:
    """The first string argument: a route, an event or metric name."""
    named = [k.value for k in call.keywords if k.arg in ("name", "event")]
    for value in (*call.args, *named):
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return ""


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def _javascript(text: str) -> FileFacts:
    lines = split_lines(text)
    imports: list[Row] = []
    calls: list[Row] = []
    for number, line in enumerate(lines, 1):
        for match in _JS_IMPORT.finditer(line):
            imports.append((number, _package(match.group(1)), match.group(1)))
        for match in _JS_CALL.finditer(line):
            if match.group(2) in CALLS:
                calls.append((number, match.group(2), match.group(3) or ""))
    framework = _framework(n for _, n, _ in imports)
    routes = [(n, framework, m.group(2)) for n, line in enumerate(lines, 1)
              for m in _JS_ROUTE.finditer(line)] if framework else []
    return tuple(imports), tuple(routes), tuple(calls), ()


def _package(spec: str) -> str:
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") else parts[0]


def batch_entry_point(project: Project, scheduled_only: bool = False) -> Evidence | None:
    """Where the project runs as a scheduled or command-line job, if it does (only
    scheduled ones: cron, a scheduler library, when ``scheduled_only``)."""
    files = [rel for rel in project.files if rel.endswith((".yml", ".yaml", "crontab", ".cron"))]
    found = project.facts(files, query_name("adoption.cron/1", _CRON.pattern), _cron)
    for rel in files:
        line, written = found.get(rel, (0, False))
        if line or (rel.endswith(("crontab", ".cron")) and written):
            return Evidence(rel, line or 1, "scheduled job")
    facts = code_facts(project)
    scheduler = facts.importing(*_SCHEDULERS)
    if scheduler:
        return scheduler[0].at(f"{scheduler[0].name} job")
    if scheduled_only:
        return None
    return facts.mains[0].at("command-line entry point") if facts.mains else None


def output_destinations(project: Project) -> list[Evidence]:
    """Where a job's output reaches people: systems of record it writes to, chat messages
    it posts (one per system, first place in code)."""
    facts = code_facts(project)
    found: dict[str, Evidence] = {}
    for site in facts.imports:
        label = SYSTEMS_OF_RECORD.get(site.name)
        if label:
            found.setdefault(label, site.at(label))
    chat_files = {s.path: CHAT_MESSAGES[s.name] for s in facts.imports if s.name in CHAT_MESSAGES}
    for call in facts.calls_in(set(chat_files), *_CHAT_CALLS):
        label = f"{chat_files[call.path]} message"
        found.setdefault(label, call.at(label))
    for site in facts.imports:
        if site.name in CHAT_MESSAGES and CHAT_MESSAGES[site.name] != "Slack":
            label = f"{CHAT_MESSAGES[site.name]} message"
            found.setdefault(label, site.at(label))
    return list(found.values())


def _cron(text: str) -> tuple[int, bool]:
    """The line of the first cron schedule (0: none), and whether the file says anything."""
    match = _CRON.search(text)
    return (text.count("\n", 0, match.start()) + 1 if match else 0), bool(text.strip())
