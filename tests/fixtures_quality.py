"""Repositories with a dated history for the eval-freshness and feedback-loop checks.

Eval results are real promptfoo output (``tests/data/evals/promptfoo``): ``results.json``
carries its run timestamp, ``results.jsonl`` does not (it is dated by its commit). Line
numbers matter: the tests assert exact ``path:line`` evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Files, git, write_files

DATA = Path(__file__).resolve().parent / "data" / "evals" / "promptfoo"
PROMPTFOO_JSONL = (DATA / "results.jsonl").read_text(encoding="utf-8")
PROMPTFOO_CONFIG = (DATA / "promptfooconfig.yaml").read_text(encoding="utf-8")


def promptfoo_json(timestamp: str) -> str:
    """promptfoo's JSON output (10 results) with its run timestamp set to ``timestamp``."""
    doc = json.loads((DATA / "results.json").read_text(encoding="utf-8"))
    doc["results"]["timestamp"] = timestamp
    return json.dumps(doc, indent=2) + "\n"


def commit(root: Path, date: str, files: Files, message: str = "change") -> str:
    """Write ``files`` and commit everything on ``date`` (YYYY-MM-DD, noon UTC); the sha."""
    write_files(root, files)
    stamp = date if "T" in date else f"{date}T12:00:00+00:00"
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=stamp)
    return git(root, "rev-parse", "HEAD").strip()


# ---- an invoice extractor: prompt file, prompt and model settings in code -----------------

EXTRACT = '''\
"""Invoice total extraction with one model call."""
from __future__ import annotations

from openai import OpenAI

client = OpenAI(timeout=30)

SYSTEM_PROMPT = """\\
You extract fields from invoices.
Answer with the total only, as digits.
"""


def parse_total(text: str) -> float:
    return float(text.strip().replace(",", ""))


def extract_total(document: str) -> float:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        temperature=0,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": document},
        ],
    )
    return parse_total(response.choices[0].message.content or "")
'''
# The same module after three kinds of edit.
EXTRACT_NEW_MODEL = EXTRACT.replace('model="gpt-4o-mini"', 'model="gpt-4.1-mini"')  # line 20
EXTRACT_PROMPT_WORDING = EXTRACT.replace("as digits.", "as digits, without a currency sign.")
EXTRACT_UNRELATED = EXTRACT.replace('.replace(",", ""))', '.replace(",", "").strip("$"))')

PROMPT = "Extract the invoice total.\nReturn digits only.\n"
PROMPT_V2 = "Extract the invoice total.\nReturn digits only, no currency.\n"

EXTRACTOR: Files = {
    "app/extract.py": EXTRACT,
    "prompts/extract.txt": PROMPT,
    "README.md": "# Invoice extractor\n",
    "tests/test_extract.py": "from app.extract import parse_total\n\n\n"
                             "def test_parse() -> None:\n    assert parse_total('1,000') == 1000\n",
}

# promptfoo's own config: a model change there is a model-setting change.
PROMPTFOO_CONFIG_MODEL = PROMPTFOO_CONFIG.replace("  - file://provider.js",
                                                  "  - openai:gpt-4o-mini")
PROMPTFOO_CONFIG_NEW_MODEL = PROMPTFOO_CONFIG_MODEL.replace("gpt-4o-mini", "gpt-4.1-mini")
PROMPTFOO_CONFIG_NEW_TEST = PROMPTFOO_CONFIG_NEW_MODEL.replace(
    "    metadata: {category: invoice}\n", "    metadata: {category: invoice, tags: [new]}\n",
    1)

# ---- feedback ----------------------------------------------------------------------------

FASTAPI_FEEDBACK: Files = {
    "app/models.py": '''\
from sqlalchemy import Boolean, Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Feedback(Base):
    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    answer_id = Column(String, nullable=False)
    helpful = Column(Boolean, nullable=False)
    comment = Column(String)
''',
    "app/api.py": '''\
from fastapi import Depends, FastAPI
from openai import OpenAI
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Feedback

app = FastAPI()
client = OpenAI(timeout=30)


class FeedbackIn(BaseModel):
    answer_id: str
    helpful: bool
    comment: str | None = None


@app.post("/feedback")
def submit_feedback(body: FeedbackIn, db: Session = Depends(get_db)) -> dict[str, str]:
    db.add(Feedback(answer_id=body.answer_id, helpful=body.helpful, comment=body.comment))
    db.commit()
    return {"status": "recorded"}
''',
}

SLACK_LOG_ONLY: Files = {
    "bot/slack.py": '''\
import logging

from anthropic import Anthropic
from slack_bolt import App

app = App()
client = Anthropic(timeout=30)
log = logging.getLogger(__name__)


@app.event("reaction_added")
def on_reaction(event: dict, say) -> None:
    if event["reaction"] in ("thumbsdown", "-1"):
        log.info("negative reaction on %s", event["item"]["ts"])
''',
}

LANGSMITH_FEEDBACK: Files = {
    "app/feedback.py": '''\
from langsmith import Client

client = Client()


def record_verdict(run_id: str, correct: bool, comment: str = "") -> None:
    client.create_feedback(run_id, key="user-correct", score=int(correct), comment=comment)
''',
    "app/chain.py": 'from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(model="gpt-4o")\n',
}

# Django: the URL route names a view that writes an AnswerFlag row.
DJANGO_FLAGS: Files = {
    "answers/urls.py": '''\
from django.urls import path

from answers import views

urlpatterns = [
    path("ask/", views.ask),
    path("flag/", views.flag_answer),
]
''',
    "answers/views.py": '''\
from django.http import JsonResponse
from openai import OpenAI

from answers.models import AnswerFlag

client = OpenAI(timeout=30)


def ask(request):
    return JsonResponse({"answer": "..."})


def flag_answer(request):
    AnswerFlag.objects.create(answer_id=request.POST["answer_id"], reason=request.POST["reason"])
    return JsonResponse({"ok": True})
''',
}

# Streamlit's feedback widget, appended to a CSV the team reviews.
STREAMLIT_APP: Files = {
    "app.py": '''\
import csv

import streamlit as st
from openai import OpenAI

client = OpenAI(timeout=30)
question = st.text_input("Question")
if question:
    answer = client.responses.create(model="gpt-4o", input=question).output_text
    st.write(answer)
    verdict = st.feedback("thumbs")
    if verdict is not None:
        with open("feedback.csv", "a", newline="") as handle:
            csv.writer(handle).writerow([question, answer, verdict])
''',
}

# A handler that delegates the write to a helper in another module.
HELPER_STORE: Files = {
    "app/store.py": '''\
import json
from pathlib import Path

FLAGS = Path("/var/lib/assistant/flags.jsonl")


def save_flag(answer_id: str, reason: str) -> None:
    with FLAGS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"answer_id": answer_id, "reason": reason}) + "\\n")
''',
    "app/routes.py": '''\
from flask import Flask, request
from openai import OpenAI

from app.store import save_flag

app = Flask(__name__)
client = OpenAI(timeout=30)


@app.route("/answers/<answer_id>/flag", methods=["POST"])
def flag_answer(answer_id: str):
    save_flag(answer_id, request.json.get("reason", ""))
    return {"ok": True}
''',
}

# A React thumbs-down button posting to a Next.js API route that writes with Prisma.
NEXT_APP: Files = {
    "components/Answer.tsx": '''\
import { ThumbsDown } from "lucide-react";

export function Answer({ id, text }: { id: string; text: string }) {
  const flag = () => fetch("/api/feedback", { method: "POST", body: JSON.stringify({ id }) });
  return (
    <div>
      <p>{text}</p>
      <button aria-label="Thumbs down" onClick={flag}>
        <ThumbsDown />
      </button>
    </div>
  );
}
''',
    "app/api/feedback/route.ts": '''\
import { prisma } from "@/lib/db";

export async function POST(request: Request) {
  const { id } = await request.json();
  await prisma.feedback.create({ data: { answerId: id, helpful: false } });
  return Response.json({ ok: true });
}
''',
    "lib/llm.ts": 'import OpenAI from "openai";\n\nexport const client = new OpenAI();\n',
}

# An LLM app with no feedback path, and things that only look like one.
LOOK_ALIKES: Files = {
    "app/chat.py": '''\
from openai import OpenAI

client = OpenAI(timeout=30)


def answer(question: str) -> str:
    # TODO: add thumbs down later so users can flag wrong answers
    response = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}])
    return response.choices[0].message.content or ""
''',
    "app/reports.py": '''\
from app.db import rows


def feedback_summary() -> dict[str, int]:
    """Weekly numbers for the pilot review."""
    return {"answers": len(rows("answers"))}


def search(session, query: str):
    return session.query(Answer).filter(Answer.text.like(query)).all()
''',
    "web/client.ts": '''\
export const client = { onRateLimit: (retryAfter: number) => console.warn(retryAfter) };
''',
    "app/flags.py": '''\
from sqlalchemy import Boolean, Column, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class FeatureFlag(Base):
    __tablename__ = "feature_flags"

    name = Column(String, primary_key=True)
    enabled = Column(Boolean, default=False)
''',
    "tests/test_feedback.py": '''\
def test_feedback(client) -> None:
    assert client.post("/feedback", json={"helpful": False}).status_code == 200
''',
}
