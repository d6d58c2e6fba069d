"""HTTP API used by the ERP's invoice screen."""

from fastapi import FastAPI

from app.extract import extract
from app.summarise import summarise

api = FastAPI()


@api.post("/extract")
def extract_endpoint(payload: dict) -> dict:
    contract = extract(payload["text"])
    return {"contract": contract.model_dump() if contract else None,
            "summary": summarise(payload["text"])}
