"""Read article files (.txt, .md, .html, .jsonl) into raw articles, reporting files that cannot be read.

Problems carry the file in ``path`` and say what is wrong in ``message``; the CLI prints them as
``path: message``. One bad file, or one bad line of a .jsonl file, never stops the others from loading.
"""

from __future__ import annotations

import codecs
import json
import os
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from index.formats.html import html_article
from index.formats.markdown import markdown_article
from index.types import IngestProblem, RawArticle

Loaded = tuple[list[RawArticle], list[IngestProblem]]

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (".txt", *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, ".jsonl")


def read_articles(paths: Iterable[Path]) -> Loaded:
    """Load every supported file in ``paths``; folders are walked recursively in sorted order."""
    articles: list[RawArticle] = []
    problems: list[IngestProblem] = []
    seen: set[Path] = set()
    for given in paths:
        for path, problem in _files_in(Path(given)):
            if problem:
                problems.append(problem)
                continue
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            loaded, found = _read_file(path)
            articles.extend(loaded)
            problems.extend(found)
    return articles, problems


def _files_in(given: Path) -> list[tuple[Path, IngestProblem | None]]:
    if given.is_dir():
        return _walk(given)
    if not given.exists():
        return [(given, IngestProblem(str(given), "no such file or folder"))]
    if given.suffix.lower() not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        return [
            (
                given,
                IngestProblem(
                    str(given), f"unsupported file type {given.suffix or '(none)'!r}; use one of {supported}"
                ),
            )
        ]
    return [(given, None)]


def _walk(folder: Path) -> list[tuple[Path, IngestProblem | None]]:
    """Supported, non-hidden files under ``folder``; other files there are not articles and are skipped quietly."""
    found: list[tuple[Path, IngestProblem | None]] = []

    def unreadable(error: OSError) -> None:
        found.append((folder, IngestProblem(str(error.filename), f"cannot read the folder ({error.strerror})")))

    for root, folders, files in os.walk(folder, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append((Path(root) / name, None))
    return sorted(found, key=lambda item: item[0].parts)


def _read_file(path: Path) -> Loaded:
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [IngestProblem(str(path), f"cannot read the file ({error.strerror})")]
    text, problem = decode_text(data)
    if problem:
        return [], [IngestProblem(str(path), problem)]
    if not text.strip():
        return [], [IngestProblem(str(path), "the file is empty")]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(path, text)
    article = _READERS[suffix](str(path), text)
    if not article.text.strip():
        return [], [IngestProblem(str(path), "no article text found in the file")]
    return [article], []


# --- encodings ---------------------------------------------------------------------------------------

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Text of UTF-8 (BOM optional) or UTF-16 (with BOM) bytes, or ``("", why not)``.

    Legacy code pages such as Windows-1256 are not guessed: almost any byte sequence decodes in them, so
    a guess would silently index garbage. The message says what the file looks like instead.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            return "", f"starts like UTF-16 text but is not ({error.reason}); save it as UTF-8"
        odd = _first_odd_character(text, unassigned_too=True)
        if odd is not None:
            return (
                "",
                f"starts like UTF-16 text but is not (character U+{ord(text[odd]):04X} at position {odd}); "
                "save it as UTF-8",
            )
        return text, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = "; it looks like Windows-1256 Arabic" if _looks_like_windows_arabic(data) else ""
        return (
            "",
            f"not UTF-8 text (invalid byte 0x{data[error.start]:02X} at position {error.start}{hint}); "
            "save it as UTF-8",
        )
    odd = _first_odd_character(text, unassigned_too=False)
    if odd is not None:
        return "", f"looks like a binary file, not text (control character U+{ord(text[odd]):04X} at position {odd})"
    return text, None


def _first_odd_character(text: str, *, unassigned_too: bool) -> int | None:
    """Position of a character no article contains: a control code other than whitespace, or a surrogate.

    Unassigned code points also count for UTF-16, where a BOM followed by random bytes still decodes.
    """
    odd_categories = {"Cc", "Cs", "Cn"} if unassigned_too else {"Cc", "Cs"}
    for position, char in enumerate(text):
        if not char.isspace() and unicodedata.category(char) in odd_categories:
            return position
    return None


def _looks_like_windows_arabic(data: bytes) -> bool:
    letters = [char for char in data.decode("cp1256", errors="replace") if char.isalpha()]
    arabic = sum(1 for char in letters if "\u0600" <= char <= "\u06ff")
    return bool(letters) and arabic >= 0.5 * len(letters)


# --- plain text --------------------------------------------------------------------------------------


def _text_article(path: str, text: str) -> RawArticle:
    return RawArticle(path=path, text=text)


# --- jsonl -------------------------------------------------------------------------------------------

_JSONL_METADATA = ("id", "title", "url", "published", "source")


def _read_jsonl(path: Path, text: str) -> Loaded:
    articles: list[RawArticle] = []
    problems: list[IngestProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        article, why_not = _jsonl_article(f"{path}#L{number}", line)
        if article is not None:
            articles.append(article)
        else:
            problems.append(IngestProblem(str(path), f"line {number}: {why_not}"))
    return articles, problems


def _jsonl_article(path: str, line: str) -> tuple[RawArticle | None, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno})"
    if not isinstance(record, dict):
        return None, f'expected a JSON object with a "text" key, found a {type(record).__name__}'
    body = record.get("text")
    if body is not None and not isinstance(body, str):
        return None, f'the "text" value must be a string, not {type(body).__name__}'
    if not body or not body.strip():
        return None, 'no article text: the "text" value is missing or empty'
    meta: dict[str, str | None] = {}
    for key in _JSONL_METADATA:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float | None):
            return None, f'the "{key}" value must be a string, not {type(value).__name__}'
        meta[key] = None if value is None else (str(value).strip() or None)
    return RawArticle(
        path=path,
        text=body,
        doc_id=meta["id"],
        title=meta["title"],
        url=meta["url"],
        published=meta["published"],
        source=meta["source"],
    ), ""


_READERS: dict[str, Callable[[str, str], RawArticle]] = {
    ".txt": _text_article,
    **dict.fromkeys(MARKDOWN_SUFFIXES, markdown_article),
    **dict.fromkeys(HTML_SUFFIXES, html_article),
}
