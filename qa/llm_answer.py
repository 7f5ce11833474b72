"""The LLM answerer: ask the model from numbered source sentences, let through only what verification accepts.

The reply is streamed and cut into claims as it arrives; each finished claim is verified against the sentences
it cites before any of its text is sent on, so no unverified sentence ever reaches the user. Anything that
goes wrong (the model is down, slow, rate-limited, or its reply is unusable) ends in the extractive answer,
flagged ``degraded`` with the reason, never in an error.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, nullcontext
from typing import Protocol

from dalil.index.loaded import LoadedIndex
from dalil.index.normalize import detect_language
from dalil.prompts import Prompts
from dalil.qa.events import AnswerEvent, CitationEvent, DoneEvent, TokenEvent
from dalil.qa.llm_client import ChatModel, LLMError
from dalil.qa.messages import message
from dalil.qa.prepare import Prepared
from dalil.qa.replay import replay
from dalil.qa.short_answer import short_answer
from dalil.qa.sources import NumberedSources, number_sources
from dalil.qa.types import Answer, Citation, UnsupportedClaim
from dalil.qa.verify import Claim, ClaimCheck, VerifyRules, check_claim, complete_claims, renumber, split_claims

LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}
NO_ANSWER = "NO_ANSWER"
_TRANSLATIONS_HEADING = re.compile(r"^[\s#*]*TRANSLATIONS?\b[:*\s]*", re.MULTILINE)
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[A-Za-z]+;|&#\d+;")
_TRANSLATION_LINE = re.compile(r"^\s*[-*]?\s*\[(\d+)\]\s*[:：-]?\s*(\S.*?)\s*$", re.MULTILINE)
# Claims this short carry too few letters to tell their language.
_MIN_LETTERS_FOR_LANGUAGE = 12


class AnsweringModel(Protocol):
    """What a run needs of the model's answerer (``qa.llm_answerer.LLMAnswerer``)."""

    name: str
    chat: ChatModel
    prompts: Prompts
    rules: VerifyRules
    max_sources: int
    max_sentences: int

    def record_failure(self) -> None: ...

    def record_success(self) -> None: ...


def stream_llm_answer(
    prepared: Prepared, index: LoadedIndex, llm: AnsweringModel, fallback: Callable[[], Answer]
) -> Iterator[AnswerEvent]:
    numbered = number_sources(index, prepared.scores.scored, llm.max_sources)
    if not numbered.sentences:  # an empty index: nothing to ask the model about
        yield from replay(fallback())
        return
    yield from _LLMRun(prepared, index, llm, numbered, fallback).events()


class _LLMRun:
    def __init__(
        self,
        prepared: Prepared,
        index: LoadedIndex,
        llm: AnsweringModel,
        numbered: NumberedSources,
        fallback: Callable[[], Answer],
    ) -> None:
        self.prepared, self.index, self.llm, self.numbered, self.fallback = prepared, index, llm, numbered, fallback
        # One deadline for the whole answer, a second request in the right language included.
        self.deadline = time.monotonic() + llm.chat.deadline_s
        self.sources = numbered.sources
        self.raw = ""
        self.checks: list[ClaimCheck] = []
        self.text = ""
        self.order: list[int] = []
        self.citations: list[Citation] = []
        self.unsupported: list[UnsupportedClaim] = []
        self.warnings: list[str] = []
        self.said_no_answer = False
        self.language_flagged = False

    def events(self) -> Iterator[AnswerEvent]:
        language_name = LANGUAGE_NAMES[self.prepared.language]
        messages = self.llm.prompts["answer"].render(
            sources=self.numbered.prompt_text(),
            question=self.prepared.question,
            language_name=language_name,
            max_sentences=self.llm.max_sentences,
        )
        for may_retry in (True, False):
            try:
                wrong_language = yield from self._attempt(messages, may_retry)
            except LLMError as exc:
                self.llm.record_failure()
                yield from self._degrade(str(exc))
                return
            if not wrong_language:
                break
            retry = self.llm.prompts["language_retry"].render(language_name=language_name)
            messages = [*messages, {"role": "assistant", "content": self.raw}, *retry]
        self.llm.record_success()
        yield from self._finish()

    def _attempt(self, messages: Sequence[dict[str, str]], may_retry: bool) -> Generator[AnswerEvent, None, bool]:
        """Stream one reply, verifying claims as they finish. True when it must be asked again in the right language."""
        with closing(self._finished_claims(self.llm.chat.stream(messages, self.deadline))) as claims:
            for claim in claims:
                if may_retry and not self.text and self._in_wrong_language(claim):
                    return True  # closing the claims stops reading a reply that is no longer wanted
                yield from self._take(claim)
        return False

    def _finished_claims(self, pieces: Iterator[str]) -> Iterator[Claim]:
        """The reply's claims, each as soon as it is certainly finished; the rest when the reply ends."""
        self.raw, taken = "", 0
        with closing(pieces) if hasattr(pieces, "close") else nullcontext():
            for piece in pieces:
                self.raw += piece
                finished, _ = complete_claims(_answer_part(self.raw))
                yield from finished[taken:]
                # Fewer claims look finished once a "TRANSLATIONS:" heading, half streamed, is recognised and cut
                # off (it had looked like the start of a next claim): those already given stay given.
                taken = max(taken, len(finished))
        yield from split_claims(_answer_part(self.raw))[taken:]

    def _take(self, claim: Claim) -> Iterator[AnswerEvent]:
        if NO_ANSWER in claim.text:
            self.said_no_answer = True
            return
        if any(claim.text == kept.claim.text for kept in self.checks):
            self.warnings.append("a sentence the model repeated was shown once")
            return
        if self._in_wrong_language(claim) and not self.language_flagged:
            self.language_flagged = True
            self.warnings.append(
                f"the model answered in {LANGUAGE_NAMES[detect_language(claim.text)]} although the question "
                f"is in {LANGUAGE_NAMES[self.prepared.language]}"
            )
        check = check_claim(claim, self.sources, self._similarity, self.llm.rules, self.index.aligner)
        if check.dropped:
            listed = ", ".join(f"[{n}]" for n in check.dropped)
            self.warnings.append(f"removed citation {listed}: the model was given no such source")
        if not check.supported:
            self.unsupported.append(UnsupportedClaim(text=claim.text, reason=check.reason or "not supported"))
            return
        self.checks.append(check)
        if check.unchecked:  # kept, but the reader should know what could not be checked
            self.warnings.append(f"in “{claim.text.strip()}”: {check.unchecked}")
        text, order = renumber(self.checks)
        yield TokenEvent(text[len(self.text) :])
        self.text = text
        for number in order[len(self.order) :]:
            self.citations.append(self.numbered.citation(number))
            yield CitationEvent(len(self.citations), self.citations[-1])
        self.order = order

    def _in_wrong_language(self, claim: Claim) -> bool:
        if NO_ANSWER in claim.text or sum(ch.isalpha() for ch in claim.text) < _MIN_LETTERS_FOR_LANGUAGE:
            return False
        return detect_language(claim.text) != self.prepared.language

    def _similarity(self, text: str, numbers: Sequence[int]) -> list[float]:
        vector = self.index.embedder.embed_passages([text])[0]  # verification asks once per claim
        ids = [self.numbered.sentences[n].id for n in numbers]
        found = self.index.sentence_similarities(vector, ids)
        return [found.get(sentence_id, 0.0) for sentence_id in ids]

    def _finish(self) -> Iterator[AnswerEvent]:
        if self.citations:
            yield DoneEvent(self._answer(self.text, self._with_translations(), abstained=False))
        elif self.said_no_answer:
            yield from replay(self._answer(message("abstain", self.prepared.language), [], abstained=True))
        elif not self.raw.strip():
            yield from self._degrade("the model returned an empty answer")
        else:
            first = self.unsupported[0].reason if self.unsupported else "it had no sentences"
            yield from self._degrade(f"no sentence of the model's answer could be verified (first: {first})")

    def _degrade(self, reason: str) -> Iterator[AnswerEvent]:
        if self.citations:  # verified sentences were already sent: keep them, say why the answer stops there
            answer = self._answer(self.text, self.citations, abstained=False)
            yield DoneEvent(dataclasses.replace(answer, degraded=True, degraded_reason=f"{reason}; answer cut short"))
            return
        standin = self.fallback()
        yield from replay(
            dataclasses.replace(
                standin,
                degraded=True,
                degraded_reason=reason,
                unsupported=self.unsupported,
                warnings=self.warnings,
                timings_ms=self.prepared.timings(),
            )
        )

    def _answer(self, text: str, citations: list[Citation], *, abstained: bool) -> Answer:
        short = None
        if citations and self.index.span_reader is not None:
            short, _ = short_answer(
                self.prepared.question,
                citations,
                self.index.span_reader,
                self.prepared.language,
                known=self.prepared.readings,  # the sentences prepare() read for the extractive answer
            )
        return Answer(
            answer=text,
            language=self.prepared.language,
            abstained=abstained,
            confidence=self.prepared.confidence,
            citations=citations,
            passages=self.prepared.passages,
            backend=self.llm.name,
            timings_ms=self.prepared.timings(),
            unsupported=self.unsupported,
            warnings=self.warnings,
            short_answer=short,
        )

    def _with_translations(self) -> list[Citation]:
        heading = _TRANSLATIONS_HEADING.search(self.raw)
        if not heading:
            return self.citations
        given = {int(n): text for n, text in _TRANSLATION_LINE.findall(self.raw[heading.end() :])}
        # Only a translation into the answer's language, of a source in another language, is worth showing.
        return [
            dataclasses.replace(citation, translation=self._checked_translation(number, given.get(number)))
            if self.sources[number].language != self.prepared.language
            else citation
            for number, citation in zip(self.order, self.citations, strict=True)
        ]

    def _checked_translation(self, number: int, translation: str | None) -> str | None:
        """A translation is a claim about its source sentence: shown only if it passes the same checks, as plain
        text; otherwise dropped, and the warnings say why."""
        if translation is None:
            return None
        shown = self.order.index(number) + 1  # its marker in the answer
        if _MARKUP.search(translation):
            reason = "it holds markup"
        else:
            check = check_claim(
                Claim(translation, (number,)), self.sources, self._similarity, self.llm.rules, self.index.aligner
            )
            if check.supported:
                return translation
            reason = check.reason.replace(f"[{number}]", f"[{shown}]")  # type: ignore[union-attr]
        self.warnings.append(f"the translation of [{shown}] was dropped: {reason}")
        return None


def _answer_part(raw: str) -> str:
    heading = _TRANSLATIONS_HEADING.search(raw)
    return raw[: heading.start()] if heading else raw
