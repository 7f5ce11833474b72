import pytest
from hypothesis import given
from hypothesis import strategies as st

from dalil.index.chunking import make_chunks
from dalil.index.types import Sentence, chunk_id, sentence_id


def article(count: int) -> tuple[str, list[Sentence]]:
    """A text of ``count`` sentences "جملة 0." … separated by single spaces, with their spans."""
    parts = [f"جملة {n}." for n in range(count)]
    sentences, offset = [], 0
    for n, part in enumerate(parts):
        sentences.append(Sentence(sentence_id("doc", n), "doc", n, offset, offset + len(part), part))
        offset += len(part) + 1
    return " ".join(parts), sentences


def windows(chunks) -> list[list[int]]:
    """Each chunk as the numbers of its sentences."""
    return [[int(sid.split(":")[1]) for sid in chunk.sentence_ids] for chunk in chunks]


def test_windows_step_by_size_minus_overlap():
    text, sentences = article(10)
    assert windows(make_chunks("doc", text, sentences, 4, 1)) == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


def test_last_window_is_aligned_to_the_last_sentence():
    text, sentences = article(11)
    # A plain stride would leave a tail window of sentences 9 and 10 only.
    assert windows(make_chunks("doc", text, sentences, 4, 1)) == [
        [0, 1, 2, 3],
        [3, 4, 5, 6],
        [6, 7, 8, 9],
        [7, 8, 9, 10],
    ]


def test_without_overlap_windows_are_disjoint():
    text, sentences = article(8)
    assert windows(make_chunks("doc", text, sentences, 4, 0)) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_size_one_makes_one_chunk_per_sentence():
    text, sentences = article(3)
    assert windows(make_chunks("doc", text, sentences, 1, 0)) == [[0], [1], [2]]


@pytest.mark.parametrize("count", [1, 3, 5])
def test_a_short_document_is_one_chunk(count):
    text, sentences = article(count)
    chunks = make_chunks("doc", text, sentences, 5, 2)
    assert windows(chunks) == [list(range(count))]
    assert chunks[0].text == text


def test_no_sentences_no_chunks():
    assert make_chunks("doc", "", [], 4, 1) == []


def test_chunk_fields():
    text, sentences = article(6)
    chunks = make_chunks("doc", text, sentences, 3, 1)
    assert [c.id for c in chunks] == [chunk_id("doc", 0), chunk_id("doc", 1), chunk_id("doc", 2)]
    assert [c.n for c in chunks] == [0, 1, 2]
    second = chunks[1]
    assert (second.start, second.end) == (sentences[2].start, sentences[4].end)
    assert second.text == "جملة 2. جملة 3. جملة 4."
    assert second.sentence_ids == ("doc:2", "doc:3", "doc:4")
    assert all(c.doc_id == "doc" for c in chunks)


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (-1, 0), (3, -1), (3, 3), (3, 4)])
def test_invalid_sizes_are_rejected(size, overlap):
    text, sentences = article(5)
    with pytest.raises(ValueError, match="chunk"):
        make_chunks("doc", text, sentences, size, overlap)


@st.composite
def chunking_cases(draw):
    size = draw(st.integers(1, 8))
    return draw(st.integers(0, 40)), size, draw(st.integers(0, size - 1))


@given(chunking_cases())
def test_chunk_properties(case):
    count, size, overlap = case
    text, sentences = article(count)
    chunks = make_chunks("doc", text, sentences, size, overlap)
    numbers = windows(chunks)

    assert {n for window in numbers for n in window} == set(range(count))
    for chunk, window in zip(chunks, numbers):
        assert window == list(range(window[0], window[0] + len(window)))  # consecutive sentences
        assert len(window) == min(size, count)
        assert chunk.text == text[chunk.start : chunk.end]
        assert (chunk.start, chunk.end) == (sentences[window[0]].start, sentences[window[-1]].end)
    shared = [len(set(a) & set(b)) for a, b in zip(numbers, numbers[1:])]
    assert all(n == overlap for n in shared[:-1])
    if shared:
        assert overlap <= shared[-1] < size  # the aligned last window moves back, never repeats a whole window
