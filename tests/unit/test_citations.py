import pytest

from dalil.index.types import Sentence
from dalil.qa.citations import CitationMismatch, citation_problems, cite
from dalil.qa.types import Citation

TEXT = "وقع الوزيران اتفاقا. وتعمل روسيا حاليا على إنشاء نظامين؟ نعم."


def sentence(n: int, start: int, end: int) -> Sentence:
    return Sentence(f"doc:{n}", "doc", n, start, end, TEXT[start:end])


def test_cite_copies_the_exact_span():
    start = TEXT.index("وتعمل")
    end = TEXT.index("؟") + 1
    citation = cite(sentence(1, start, end), TEXT, "عنوان")
    assert citation.quote == TEXT[start:end]
    assert (citation.id, citation.doc_id, citation.title) == ("doc:1", "doc", "عنوان")


def test_cite_refuses_offsets_that_do_not_reproduce_the_sentence():
    bad = Sentence("doc:0", "doc", 0, 1, 10, TEXT[0:9])
    with pytest.raises(CitationMismatch, match="doc:0"):
        cite(bad, TEXT, "t")


def test_cite_refuses_an_empty_span():
    with pytest.raises(CitationMismatch):
        cite(Sentence("doc:0", "doc", 0, 3, 3, ""), TEXT, "t")


def test_problems_name_each_broken_citation():
    good = cite(sentence(0, 0, TEXT.index(".") + 1), TEXT, "t")
    shifted = Citation("doc:1", "doc", "t", good.start + 1, good.end + 1, good.quote)
    outside = Citation("doc:2", "doc", "t", 5, len(TEXT) + 5, "x")
    foreign = Citation("other:0", "doc", "t", good.start, good.end, good.quote)
    unknown = Citation("gone:0", "gone", "t", 0, 3, "abc")
    problems = citation_problems([good, shifted, outside, foreign, unknown], {"doc": TEXT}.get)
    assert set(problems) == {"doc:1", "doc:2", "other:0", "gone:0"}
    assert problems["doc:1"].startswith("quote differs")
    assert "outside the article" in problems["doc:2"]
    assert "does not belong" in problems["other:0"]
    assert "no article" in problems["gone:0"]


def test_no_problems_for_true_citations():
    first = cite(sentence(0, 0, TEXT.index(".") + 1), TEXT, "t")
    assert citation_problems([first], {"doc": TEXT}.get) == {}
