"""HTML extraction scored by trafilatura's evaluation rules: the scorer itself, and dalil's reading path against
trafilatura's defaults on a subset of the evaluation pages (the whole set is in bench/web_extraction.py)."""

from pathlib import Path

import pytest
import trafilatura

from dalil.eval.extraction import Page, dalil_article, load_pages, score

WEB_EXTRACTION = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "web-extraction"
SUBSET = 40  # pages, every sixth: a few seconds


def test_snippets_are_counted_after_whitespace_is_normalized_and_a_failed_page_misses_all():
    pages = [
        Page("a", Path("a"), wanted=("one  two", "three"), unwanted=("menu",)),
        Page("b", Path("b"), wanted=("four",), unwanted=("ads", "login")),
    ]
    texts = {"a": "one\ntwo and menu", "b": None}
    result = score(pages, lambda page: texts[page.url])
    assert (result.tp, result.fn, result.fp, result.tn) == (1, 2, 1, 2)
    assert result.empty == ["b"]
    assert result.precision == 0.5 and result.recall == pytest.approx(1 / 3)


@pytest.mark.skipif(not WEB_EXTRACTION.is_dir(), reason="needs ../shared/datasets/web-extraction")
def test_dalils_reading_path_scores_at_least_as_well_as_trafilatura_defaults_on_a_subset():
    pages = load_pages(WEB_EXTRACTION)[::6][:SUBSET]
    ours = score(pages, lambda page: (article := dalil_article(page)) and article.text)
    theirs = score(pages, lambda page: trafilatura.extract(page.path.read_bytes()))
    assert ours.f1 >= theirs.f1 - 0.01, (ours.as_dict(), theirs.as_dict())
    assert not set(ours.empty) - set(theirs.empty)  # no page left empty that trafilatura extracts
