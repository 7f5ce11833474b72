"""Bytes to text for the text formats: UTF-8 (BOM optional) or UTF-16 with a BOM, never a guessed code page."""

from __future__ import annotations

import codecs
import unicodedata

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
