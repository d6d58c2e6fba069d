"""Which `readiness init` starter fits the application in a folder.

Read from the libraries it imports (nothing is run): a chat UI, a bot or a vector store make
it a chat/RAG **assistant**; PDF, OCR and document-parsing libraries an **extraction**
system; ticketing and mailbox clients a **triage** system. The kind with the most distinct
libraries wins; with none, extraction (the most common pilot) is written and the reason says
so.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

SIGNALS: dict[str, dict[str, str]] = {
    "assistant": {
        "streamlit": "Streamlit", "gradio": "Gradio", "chainlit": "Chainlit",
        "slack_bolt": "Slack bot", "botbuilder": "Teams bot", "chromadb": "Chroma",
        "faiss": "FAISS", "pinecone": "Pinecone", "qdrant_client": "Qdrant",
        "weaviate": "Weaviate", "pgvector": "pgvector", "lancedb": "LanceDB",
        "llama_index": "LlamaIndex", "langchain_community.vectorstores": "LangChain vector store",
        "@slack/bolt": "Slack bot", "@pinecone-database/pinecone": "Pinecone",
        "chromadb-client": "Chroma",
    },
    "extraction": {
        "pypdf": "pypdf", "PyPDF2": "PyPDF2", "pdfplumber": "pdfplumber", "fitz": "PyMuPDF",
        "pymupdf": "PyMuPDF", "pytesseract": "Tesseract OCR", "unstructured": "unstructured",
        "docx": "python-docx", "camelot": "Camelot", "textract": "textract",
        "azure.ai.formrecognizer": "Azure Form Recognizer",
        "azure.ai.documentintelligence": "Azure Document Intelligence",
        "google.cloud.documentai": "Document AI", "instructor": "instructor",
        "pdf-parse": "pdf-parse", "pdfjs-dist": "PDF.js", "tesseract.js": "Tesseract OCR",
    },
    "triage": {
        "zenpy": "Zendesk", "jira": "Jira", "pysnow": "ServiceNow", "imaplib": "IMAP mailbox",
        "imapclient": "IMAP mailbox", "exchangelib": "Exchange mailbox",
        "aioimaplib": "IMAP mailbox", "freshdesk": "Freshdesk", "intercom": "Intercom",
        "node-zendesk": "Zendesk", "jira-client": "Jira",
    },
}
DEFAULT = "extraction"


class Choice(NamedTuple):
    template: str
    why: str


def pick(folder: Path) -> Choice:
    """The starter for the application in ``folder``, and what it was chosen from."""
    from readiness.project import Project
    from readiness.project.importscan import imports_of

    project = Project(folder)
    try:
        modules = {m for kind in SIGNALS.values() for m in kind}
        found = imports_of(project, *modules)
    finally:
        project.close()
    seen: dict[str, dict[str, str]] = {kind: {} for kind in SIGNALS}
    for item in found:
        for kind, libraries in SIGNALS.items():
            label = libraries.get(item.module) or next(
                (v for k, v in libraries.items() if item.module.startswith(k + ".")), None)
            if label:
                seen[kind].setdefault(label, f"{item.path}:{item.line}")
    best = max(SIGNALS, key=lambda kind: (len(seen[kind]), kind == DEFAULT))
    if not seen[best]:
        return Choice(DEFAULT, "no chat UI, vector store, document parser or ticketing client "
                               "found; pass -t to choose")
    shown = ", ".join(f"{label} at {where}" for label, where in list(seen[best].items())[:3])
    return Choice(best, f"found {shown}")
