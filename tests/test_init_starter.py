"""`readiness init` picks the starter that fits the app; its placeholders are no evidence."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from readiness.checks.adoption import support_plan

from readiness.cli import main
from readiness.commands.starter import pick
from readiness.config import load_config
from readiness.model import Status
from readiness.project import Project
from tests import fixtures_adoption as fx
from tests.conftest import MakeProject

RAG = '''\
import chainlit as cl
import chromadb
from openai import OpenAI

store = chromadb.PersistentClient(path="kb").get_or_create_collection("handbook")
'''
EXTRACT = '''\
import pdfplumber
import pytesseract
from openai import OpenAI
'''
TRIAGE = '''\
import imaplib

from zenpy import Zenpy
from openai import OpenAI
'''


@pytest.mark.parametrize(("files", "template", "why"), [
    ({"app/chat.py": RAG}, "assistant", "found Chainlit at app/chat.py:1, Chroma at "
                                        "app/chat.py:2"),
    ({"app/read.py": EXTRACT}, "extraction", "found pdfplumber at app/read.py:1, Tesseract OCR "
                                             "at app/read.py:2"),
    ({"app/route.py": TRIAGE}, "triage", "found IMAP mailbox at app/route.py:1, Zendesk at "
                                         "app/route.py:3"),
    ({"app/x.py": "from openai import OpenAI\n"}, "extraction",
     "no chat UI, vector store, document parser or ticketing client found; pass -t to choose"),
])
def test_starter_fits_the_application(make_project: MakeProject, files: dict[str, str],
                                      template: str, why: str) -> None:
    root = make_project(files)
    assert pick(root) == (template, why)


def test_init_without_template_writes_the_fitting_starter(make_project: MakeProject) -> None:
    root = make_project({"app/chat.py": RAG})
    result = CliRunner().invoke(main, ["init", str(root), "--pilot-start", "2026-09-07"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "(assistant starter: found Chainlit at app/chat.py:1" in result.output
    assert "CHAT / RAG ASSISTANT" in (root / "readiness.yaml").read_text()
    # an explicit -t still wins
    result = CliRunner().invoke(main, ["init", str(root), "-t", "triage", "--force"],
                                catch_exceptions=False)
    assert "(triage starter)" in result.output


@pytest.mark.parametrize("template", ["extraction", "assistant", "triage"])
def test_untouched_starter_is_no_evidence(make_project: MakeProject, template: str) -> None:
    root = make_project({**fx.CORE, "app/api.py": fx.FASTAPI})
    CliRunner().invoke(main, ["init", str(root), "-t", template], catch_exceptions=False)
    config = load_config(root)
    support = support_plan.run(Project(root), config)
    assert support.status is not Status.PASS
    assert "name-of-owner" not in support.message
    assert not any(e.path == "readiness.yaml" and e.note in ("owner", "channel")
                   for e in support.evidence)
