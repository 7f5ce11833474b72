"""Duplicates: exact and lightly edited wire copies are found, different stories on the same topic are not."""

import subprocess
import sys
from pathlib import Path

import pytest

from dalil.index.cleaning import clean_article
from dalil.index.dedup import DuplicateFinder, deduplicate, fingerprint
from dalil.index.types import Article, RawArticle

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"
AIR_DEFENCE, PARTNERSHIP = (path.read_text(encoding="utf-8") for path in sorted(DEMO_ARTICLES.glob("*.txt"))[:2])


def article(doc_id: str, text: str) -> Article:
    return Article(doc_id=doc_id, title=doc_id, text=text)


def test_exact_copy_in_another_spelling_is_a_duplicate():
    finder = DuplicateFinder()
    finder.add("short", "وقّع الوزيران اتفاقاً")
    assert finder.find("  وقع الوزيران   اتفاقا ") == "short"
    assert finder.find("وقع الوزيران اتفاقا جديدا") is None


def test_wire_copy_with_a_changed_word_and_an_agency_line_is_a_duplicate():
    finder = DuplicateFinder()
    finder.add("original", AIR_DEFENCE)
    copy = AIR_DEFENCE.replace("الأربعاء", "الخميس", 1) + "\nرويترز\n"
    assert copy != AIR_DEFENCE
    assert finder.find(copy) == "original"


def test_different_article_on_the_same_topic_is_not_a_duplicate():
    finder = DuplicateFinder()
    finder.add("air-defence", AIR_DEFENCE)
    assert finder.find(PARTNERSHIP) is None


def test_heavily_edited_copy_falls_below_the_threshold():
    words = AIR_DEFENCE.split()
    rewritten = " ".join(word if i % 8 else "تعديل" for i, word in enumerate(words))
    finder = DuplicateFinder()
    finder.add("original", AIR_DEFENCE)
    assert finder.find(rewritten) is None


def test_most_similar_article_is_returned():
    words = AIR_DEFENCE.split()
    edited = " ".join(word if i % 40 else "تعديل" for i, word in enumerate(words))
    finder = DuplicateFinder(threshold=0.5)
    finder.add("edited", edited)
    finder.add("original", AIR_DEFENCE)
    assert finder.find(edited + " إضافة") == "edited"
    assert finder.find(AIR_DEFENCE.replace("الأربعاء", "الخميس", 1)) == "original"


def test_threshold_must_be_a_share():
    for threshold in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="threshold"):
            DuplicateFinder(threshold)


def test_deduplicate_keeps_the_first_and_aliases_the_copies():
    copy = AIR_DEFENCE.replace("الأربعاء", "الخميس", 1)
    kept, aliases = deduplicate(
        [article("a", AIR_DEFENCE), article("b", PARTNERSHIP), article("c", copy), article("d", AIR_DEFENCE)]
    )
    assert [a.doc_id for a in kept] == ["a", "b"]
    assert aliases == {"c": "a", "d": "a"}


class IndexedInMemory:
    """What a store keeps for finding duplicates (``IndexedTexts``), over a dict."""

    def __init__(self, texts):
        self.prints = {doc_id: fingerprint(text) for doc_id, text in texts.items()}
        self.lookups = []

    def exact_duplicate(self, exact):
        return next((doc_id for doc_id, printed in self.prints.items() if printed.exact == exact), None)

    def shared_shingles(self, shingles):
        self.lookups.append(len(shingles))
        found = [
            (doc_id, len(printed.shingles & shingles), len(printed.shingles)) for doc_id, printed in self.prints.items()
        ]
        return [row for row in found if row[1]]


def test_deduplicate_finds_copies_of_articles_already_indexed():
    indexed = IndexedInMemory({"stored": AIR_DEFENCE})
    kept, aliases = deduplicate([article("new", AIR_DEFENCE + "\nوكالات")], indexed=indexed)
    assert kept == [] and aliases == {"new": "stored"}


def test_an_indexed_article_wins_over_an_equally_similar_one_of_the_batch():
    edited = AIR_DEFENCE.replace("الأربعاء", "الخميس", 1)
    indexed = IndexedInMemory({"stored": AIR_DEFENCE})
    kept, aliases = deduplicate([article("batch", edited), article("later", edited)], indexed=indexed)
    assert kept == [] and aliases == {"batch": "stored", "later": "stored"}
    assert indexed.lookups, "the near-duplicate check asked the store"


def test_shingle_hashes_are_the_same_in_every_process():
    script = "from dalil.index.dedup import fingerprint; print(sorted(fingerprint('a b c d e f g').shingles))"
    runs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(runs) == 1 and runs == {str(sorted(fingerprint("a b c d e f g").shingles)) + "\n"}


def test_the_same_article_read_twice_gets_no_alias():
    kept, aliases = deduplicate([article("a", AIR_DEFENCE), article("a", AIR_DEFENCE)])
    assert [a.doc_id for a in kept] == ["a"] and aliases == {}


def test_cleaned_wire_copy_has_another_id_and_becomes_an_alias():
    original = clean_article(RawArticle(path="rt.txt", text=AIR_DEFENCE))
    wire = clean_article(
        RawArticle(path="wire.txt", text=AIR_DEFENCE.replace("موسكو", "العاصمة موسكو", 1) + "\nأ ف ب\n")
    )
    assert isinstance(original, Article) and isinstance(wire, Article)
    assert original.doc_id != wire.doc_id
    kept, aliases = deduplicate([original, wire])
    assert kept == [original] and aliases == {wire.doc_id: original.doc_id}


def test_overlap_is_summed_over_lookups_of_many_shingles(monkeypatch):
    from dalil.index import dedup

    monkeypatch.setattr(dedup, "LOOKUP_BATCH", 7)  # the demo article's ~150 shingles take many lookups
    finder = DuplicateFinder()
    finder.add("air-defence", AIR_DEFENCE)
    finder.add("partnership", PARTNERSHIP)
    assert finder.find(AIR_DEFENCE.replace("الأربعاء", "الخميس", 1)) == "air-defence"
    half = " ".join(AIR_DEFENCE.split()[: len(AIR_DEFENCE.split()) // 2])
    assert finder.find(half) is None  # Jaccard about 0.5
    lenient = DuplicateFinder(threshold=0.45)
    lenient.add("air-defence", AIR_DEFENCE)
    assert lenient.find(half) == "air-defence"
