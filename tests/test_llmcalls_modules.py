"""``ModuleMap.may_name``: the cheap test the call-site index makes before resolving a file's
imports. It may answer True for a file that names none of the modules (then the imports are
resolved as before), never False for one that does."""

from __future__ import annotations

import pytest

from readiness.llmcalls.modules import ModuleMap, import_records, stem

FILES = frozenset({
    "app/__init__.py", "app/llm.py", "app/chat/__init__.py", "app/chat/client.py",
    "app/chat/views.py", "app/util.py", "tools/run.py", "worker.py",
})

IMPORTS = {
    "plain": ("app/util.py", "import app.llm\n"),
    "from module": ("tools/run.py", "from app.chat.client import Client\n"),
    "submodule listed": ("tools/run.py", "from app.chat import client, views as v\n"),
    "relative module": ("app/chat/views.py", "from .client import Client\n"),
    "relative parent": ("app/chat/views.py", "from ..llm import ask\n"),
    "package by dot": ("app/chat/views.py", "from . import client\n"),
    "package by dots": ("app/chat/views.py", "from .. import llm\n"),
    "top level": ("tools/run.py", "import worker\n"),
    "package": ("worker.py", "import app.chat\n"),
}


@pytest.mark.parametrize("case", sorted(IMPORTS))
def test_every_file_an_import_names_passes_for_its_name(case: str) -> None:
    importer, text = IMPORTS[case]
    modules, records = ModuleMap(FILES), import_records(text)
    targets = modules.imported_files(importer, records)
    assert targets, case  # the layout resolves each case
    for target in targets:
        assert modules.may_name(records, {stem(target)}), (case, target)
        assert modules.may_name(records, {"unrelated", stem(target)}), (case, target)


@pytest.mark.parametrize(("text", "names"), [
    ("import app.llm\n", {"client", "views"}),
    ("from app.chat.client import Client\n", {"llm"}),
    ("from app.chat import views\n", {"client", "llm"}),
    ("from .client import Client\n", {"views"}),
    ("import openai\nfrom anthropic import Anthropic\n", {"llm", "client"}),
    ("x = 1\n", {"llm"}),
])
def test_a_file_naming_none_of_the_modules_is_left_out(text: str, names: set[str]) -> None:
    modules, records = ModuleMap(FILES), import_records(text)
    assert not modules.imported_files("app/chat/views.py", records) & {
        f for f in FILES if stem(f) in names}
    assert not modules.may_name(records, names)
