"""Responders for ``FakeOpenAI`` that read dalil's answer prompt: the numbered sources and the question."""

from __future__ import annotations

import re

from dalil.testing.fake_openai import Reply, Responder

# One prompt line per source, as ``qa.sources.NumberedSources.prompt_text`` writes it.
SOURCE_LINE = re.compile(r"^\[(\d+)\] «.*?»(?: \(.*?\))?: (.*)$", re.MULTILINE)
QUESTION_LINE = re.compile(r"^Question: (.*)$", re.MULTILINE)


def user_text(request: dict) -> str:
    return next(m["content"] for m in request["messages"] if m["role"] == "user")


def prompt_sources(request: dict) -> dict[int, str]:
    """Source number -> sentence text, from the first user message of a chat request."""
    return {int(n): text for n, text in SOURCE_LINE.findall(user_text(request))}


def prompt_question(request: dict) -> str:
    match = QUESTION_LINE.search(user_text(request))
    return match.group(1) if match else ""


def quoting(number: int = 1) -> Responder:
    """A model that answers with source ``number`` word for word, cited: the best a model can do lexically."""

    def respond(request: dict) -> Reply:
        return Reply(f"{prompt_sources(request)[number]} [{number}]")

    return respond
