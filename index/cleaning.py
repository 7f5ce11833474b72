"""Turn a raw article into the stored article: boilerplate lines removed, title, language and id settled.

Only whole lines are removed, and only when the whole line is boilerplate (an agency credit, a share or
comment prompt, a photo caption, a site promo); a line that merely mentions such words is a real sentence
and stays.
"""

from __future__ import annotations

import hashlib
import re

from dalil.index.normalize import detect_language, normalize
from dalil.index.types import Article, IngestProblem, RawArticle

# News agencies and outlets credited on a line of their own ("RT", "المصدر: تاس", "(أ ف ب)").
AGENCY_NAMES = [
    "RT",
    "AFP",
    "Reuters",
    "AP",
    "Associated Press",
    "UPI",
    "DPA",
    "ANSA",
    "EFE",
    "Xinhua",
    "TASS",
    "RIA Novosti",
    "Interfax",
    "SANA",
    "WAM",
    "SPA",
    "QNA",
    "KUNA",
    "MENA",
    "Anadolu",
    "Sputnik",
    "BBC",
    "CNN",
    "Agencies",
    "وكالات",
    "الوكالات",
    "رويترز",
    "أ ف ب",
    "أ.ف.ب",
    "ا ف ب",
    "فرانس برس",
    "أسوشيتد برس",
    "د ب أ",
    "د.ب.أ",
    "يو بي آي",
    "تاس",
    "نوفوستي",
    "ريا نوفوستي",
    "إنترفاكس",
    "سبوتنيك",
    "روسيا اليوم",
    "سانا",
    "واس",
    "وام",
    "قنا",
    "كونا",
    "بترا",
    "أ ش أ",
    "الأناضول",
    "شينخوا",
]
# Labels that introduce a credit line.
SOURCE_PREFIXES = ["المصدر", "المصادر", "Source", "Sources"]
# Site leftovers on a line of their own that carry no meaning (not a source worth keeping).
LEFTOVER_MARKERS = ["TT"]
# Share, comment, follow and navigation prompts; compared in normalized form, so spelling variants match.
PROMPTS = [
    "إضافة تعليق جديد",
    "أضف تعليق",
    "أضف تعليقك",
    "التعليقات",
    "تعليقات",
    "اترك تعليقا",
    "شارك",
    "شارك المقال",
    "شارك الخبر",
    "شارك هذا المقال",
    "مشاركة",
    "تابعونا",
    "تابعنا",
    "اقرأ أيضا",
    "اقرأ المزيد",
    "المزيد",
    "أخبار ذات صلة",
    "مواضيع ذات صلة",
    "ذات صلة",
    "اشترك",
    "اشترك الآن",
    "اشترك في النشرة البريدية",
    "طباعة",
    "أرسل لصديق",
    "Share",
    "Share this",
    "Share this article",
    "Share this story",
    "Tweet",
    "Comments",
    "Comment",
    "Add a comment",
    "Leave a comment",
    "Read more",
    "Read also",
    "See also",
    "Related",
    "Related articles",
    "Related stories",
    "Subscribe",
    "Subscribe now",
    "Subscribe to our newsletter",
    "Sign up for our newsletter",
    "Follow us",
    "Print",
    "Email",
    "Advertisement",
]
# A prompt may name where to share or follow: "تابعونا على تويتر", "Share on Facebook".
PROMPT_TARGET_WORDS = ["على", "عبر", "on", "via"]
# Labels that introduce a link to another story ("اقرأ أيضا: عنوان"): with a headline after them, the line is a link.
LINK_LABELS = ["اقرأ أيضا", "شاهد أيضا", "Read more", "Read also", "See also", "Related", "Watch"]
# Photo captions and credits, matched against the line as written.
CAPTION_PATTERNS = [
    r"(?:ال)?صورة\s*:.*",
    r"صورة أرشيفية.*",
    r"(?:Photo|Image|Picture|Photograph|Caption)\s*:.*",
    r"File photo.*",
    r"\((?:Photo|Image|صورة)\b[^)]*\)",
    r"\[(?:Photo|Image|صورة)\b[^\]]*\]",
    r"(?:\S+\s+){0,8}\S*Getty Images\)?",
]
# Site promos and footers seen on news pages.
PROMO_PATTERNS = [
    r"مجموعة الرؤية الاستراتيجية .*روسيا\s*-\s*العالم الإسلامي.*",
    r"جميع الحقوق محفوظة.*",
    r".*All rights reserved\.?",
    r"(?:©|Copyright\b).*",
    r"(?:اضغط|انقر) هنا.*",
    r"Click here.*",
    r"(?:حمل|حمّل) تطبيق.*",
    r"Download (?:our|the) app.*",
]


def _alternatives(phrases: list[str], *, normalized: bool = False) -> str:
    forms = {normalize(phrase) if normalized else phrase for phrase in phrases}
    return "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))  # longest first: a name before its prefix


_AGENCY = _alternatives(AGENCY_NAMES)
_AGENCY_LINE = re.compile(
    rf"(?:(?:{_alternatives(SOURCE_PREFIXES)})\s*:\s*)?[(\[«]?\s*"
    rf"(?P<agency>(?:{_AGENCY})(?:\s*(?:[-/،,+&]|و|and)\s*(?:{_AGENCY}))*)\s*[)\]»]?\.?",
    re.IGNORECASE,
)
_PROMPT_LINE = re.compile(
    rf"(?:{_alternatives(PROMPTS, normalized=True)})"
    rf"(?:\s+(?:{_alternatives(PROMPT_TARGET_WORDS, normalized=True)})(?:\s+\S+){{1,3}})?\s*:?"
)
_LINK_LINE = re.compile(rf"(?:{_alternatives(LINK_LABELS, normalized=True)})\s*:\s*(?P<headline>.+)")
_CAPTION_LINE = re.compile("|".join(CAPTION_PATTERNS), re.IGNORECASE)
_PROMO_LINE = re.compile("|".join(PROMO_PATTERNS), re.IGNORECASE)
_BULLETS = " \t-–—•·|*"

_SENTENCE_END = re.compile(r"[.!?؟…]\s*[\"'”»)]*$")
_FIRST_SENTENCE = re.compile(r".+?[.!?؟…](?=\s|$)")
TITLE_MAX_WORDS = 15
TITLE_MAX_CHARS = 90

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")
ID_MAX_CHARS = 100
HASH_ID_CHARS = 16


def clean_article(raw: RawArticle) -> Article | IngestProblem:
    id_problem = doc_id_problem(raw.doc_id) if raw.doc_id is not None else None
    if id_problem:
        return IngestProblem(raw.path, id_problem)
    text, credited_source = remove_boilerplate(raw.text)
    if not text:
        return IngestProblem(raw.path, "article is empty after removing boilerplate")
    given_title = " ".join((raw.title or "").split())
    return Article(
        doc_id=raw.doc_id or content_id(text),
        title=given_title or derive_title(text),
        text=text,
        path=raw.path,
        url=raw.url,
        published=raw.published,
        source=raw.source or credited_source,
        language=detect_language(text),
        author=" ".join((raw.author or "").split()) or None,
    )


def remove_boilerplate(text: str) -> tuple[str, str | None]:
    """Text without boilerplate lines and tidy blank lines, plus the first agency credited on a removed line."""
    kept: list[str] = []
    credited = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        agency = credited_agency(line)
        if agency is not None:
            credited = credited or agency
        elif not is_boilerplate(line):
            kept.append(line)
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    return tidy.strip(), credited


def credited_agency(line: str) -> str | None:
    """The agency named when the whole line is a credit such as "RT" or "المصدر: تاس", else None."""
    match = _AGENCY_LINE.fullmatch(line.strip(_BULLETS))
    return match.group("agency") if match else None


def is_boilerplate(line: str) -> bool:
    """Whether the whole line is a prompt, caption, promo or site leftover (agency credits: ``credited_agency``)."""
    if not line.strip():
        return False
    stripped = line.strip(_BULLETS)
    if not any(ch.isalnum() for ch in stripped):
        return True  # separators such as "***" or "—": no words to cite
    folded = normalize(stripped)
    link = _LINK_LINE.fullmatch(folded)
    return (
        stripped in LEFTOVER_MARKERS
        or bool(_PROMPT_LINE.fullmatch(folded) or _CAPTION_LINE.fullmatch(stripped) or _PROMO_LINE.fullmatch(stripped))
        or (link is not None and is_headline_like(link.group("headline")))
    )


def is_headline_like(line: str) -> bool:
    line = line.strip()
    return bool(line) and len(line.split()) <= TITLE_MAX_WORDS and not _SENTENCE_END.search(line)


def derive_title(text: str) -> str:
    """The first line when it reads like a headline, else the first sentence, shortened on a word boundary."""
    first_line = text.split("\n", 1)[0].strip()
    if is_headline_like(first_line):
        return " ".join(first_line.split())
    sentence = _FIRST_SENTENCE.match(first_line)
    title = " ".join((sentence.group(0) if sentence else first_line).split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[: TITLE_MAX_CHARS + 1]  # one more character: a word ending exactly at the limit is kept
    cut = cut.rsplit(" ", 1)[0] if " " in cut else title[:TITLE_MAX_CHARS]
    return cut.rstrip(" ,،;:-") + "…"


def doc_id_problem(doc_id: str) -> str | None:
    """Why a given id cannot be used, or None. Sentence ids are "<doc_id>:<n>" and chunk ids "<doc_id>#<n>"."""
    if not doc_id:
        return "invalid document id: it is empty"
    if len(doc_id) > ID_MAX_CHARS:
        return (
            f"invalid document id {doc_id[:20]!r}…: it has {len(doc_id)} characters, at most {ID_MAX_CHARS} are allowed"
        )
    if not _SAFE_ID.fullmatch(doc_id):
        bad = sorted({char for char in doc_id if not _SAFE_ID.fullmatch(char)})
        return (
            f"invalid document id {doc_id!r}: it contains {' '.join(map(repr, bad))}; "
            "use only letters A-Z and a-z, digits, '.', '_' and '-'"
        )
    return None


def content_id(text: str) -> str:
    """Id from the article's content, so the same article gets the same id wherever it is indexed."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()[:HASH_ID_CHARS]
