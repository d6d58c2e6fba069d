"""Extract structured fields from a contract."""

import logging
import uuid
from pathlib import Path

import openai
from pydantic import BaseModel

from app.clients import MODEL, client

log = logging.getLogger("extract")
SYSTEM = Path(__file__).parent.parent.joinpath("prompts/extract.txt").read_text()


class Contract(BaseModel):
    vendor: str
    start_date: str | None
    total: float | None


def extract(text: str) -> Contract | None:
    request_id = str(uuid.uuid4())
    log.info("llm request", extra={"request_id": request_id, "chars": len(text)})
    try:
        response = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
            response_format={"type": "json_object"},
        )
    except openai.APIError:
        log.exception("llm error", extra={"request_id": request_id})
        return None
    usage = response.usage
    log.info("llm response", extra={"request_id": request_id,
                                    "prompt_tokens": usage.prompt_tokens,
                                    "completion_tokens": usage.completion_tokens})
    return Contract.model_validate_json(response.choices[0].message.content)
