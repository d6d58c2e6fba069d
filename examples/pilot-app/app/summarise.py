"""Summaries for the review screen (added late in the pilot, not hardened yet)."""

from openai import OpenAI

summariser = OpenAI()


def summarise(text: str) -> str:
    response = summariser.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarise in 3 bullet points:\n{text}"}],
    )
    return response.choices[0].message.content
