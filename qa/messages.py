"""What dalil says in its own voice, in the asker's language. Quotes from articles stay in their own language."""

from __future__ import annotations

MESSAGES = {
    "abstain": {
        "ar": "لم أجد في المقالات المتاحة ما يجيب عن هذا السؤال بثقة.",
        "en": "I could not find a confident answer to this question in the indexed articles.",
    },
    "empty_index": {
        "ar": "لا توجد مقالات مفهرسة بعد.",
        "en": "No articles are indexed yet.",
    },
    "according_to": {
        "ar": "بحسب «{title}»:",
        "en": "According to “{title}”:",
    },
    "question_empty": {
        "ar": "السؤال فارغ.",
        "en": "The question is empty.",
    },
}


def message(key: str, language: str, **values: str) -> str:
    text = MESSAGES[key]["ar" if language == "ar" else "en"]
    return text.format(**values) if values else text
