"""One place where model clients are built, with the settings production needs."""

import os

from openai import OpenAI

MODEL = os.environ.get("EXTRACTION_MODEL", "gpt-4o-2024-08-06")


def make_client() -> OpenAI:
    return OpenAI(timeout=30.0, max_retries=3)


client = make_client()
