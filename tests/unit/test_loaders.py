"""Reading article files: every format, its metadata, and clear problems for files that cannot be read."""

import json
from pathlib import Path

from dalil.index.readers import load_readers, read_articles
from dalil.settings import Settings

READERS = load_readers(Settings())

ARABIC = "وقع وزير الدفاع الروسي ونظيره الأرميني اتفاقا حول الدفاع الجوي."


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def read_one(path: Path):
    articles, problems = read_articles([path], READERS)
    assert problems == []
    (article,) = articles
    return article


def only_problem(path: Path) -> str:
    articles, problems = read_articles([path], READERS)
    assert articles == []
    (problem,) = problems
    assert problem.path == str(path)
    return problem.message


# --- plain text and encodings ---


def test_text_file_is_read_as_is(tmp_path):
    path = write(tmp_path / "a.txt", "عنوان الخبر\nالسطر الأول.\n\nالسطر الثاني.\n")
    article = read_one(path)
    assert article.text == "عنوان الخبر\nالسطر الأول.\n\nالسطر الثاني.\n"
    assert article.path == str(path)
    assert article.title is None and article.doc_id is None


def test_utf8_bom_and_utf16_with_bom_are_decoded(tmp_path):
    (tmp_path / "bom.txt").write_bytes(("\ufeff" + ARABIC).encode("utf-8"))
    (tmp_path / "wide.txt").write_bytes(ARABIC.encode("utf-16"))
    articles, problems = read_articles([tmp_path], READERS)
    assert problems == []
    assert [a.text for a in articles] == [ARABIC, ARABIC]


def test_windows_arabic_bytes_are_a_problem_that_says_so(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes(ARABIC.encode("cp1256"))
    message = only_problem(path)
    assert message.startswith("not UTF-8 text (invalid byte 0x")
    assert "at position 0" in message and "Windows-1256" in message and message.endswith("save it as UTF-8")


def test_latin1_bytes_are_a_problem_with_the_offending_byte(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Le café est fermé.".encode("latin-1"))
    assert only_problem(path) == "not UTF-8 text (invalid byte 0xE9 at position 6); save it as UTF-8"


def test_bytes_behind_a_utf16_mark_must_still_be_text(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\xff\xfe\xfa not text \x81")
    assert only_problem(path) == "starts like UTF-16 text but is not (character U+20FA at position 0); save it as UTF-8"


def test_binary_file_with_a_text_suffix_is_a_problem(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert "binary" in only_problem(path)


def test_empty_file_is_a_problem(tmp_path):
    assert only_problem(write(tmp_path / "empty.txt", "  \n\n")) == "the file is empty"


def test_missing_and_unsupported_files_given_explicitly_are_problems(tmp_path):
    assert only_problem(tmp_path / "missing.txt") == "no such file or folder"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "unsupported file type '.pdf'" in only_problem(pdf)


def test_unreadable_file_reports_the_reason(tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    articles, problems = read_articles([folder], READERS)
    assert articles == []
    assert [(p.path, p.message) for p in problems] == [
        (str(folder / "gone.txt"), "cannot read the file (No such file or directory)")
    ]


def test_folders_are_walked_recursively_in_order_without_hidden_or_unsupported_files(tmp_path):
    write(tmp_path / "b.txt", "b")
    write(tmp_path / "a" / "z.md", "z")
    write(tmp_path / "a" / "deeper" / "y.htm", "<p>y</p>")
    write(tmp_path / "c.jsonl", json.dumps({"text": "c"}))
    write(tmp_path / ".hidden.txt", "hidden")
    write(tmp_path / ".git" / "inside.txt", "hidden folder")
    write(tmp_path / "notes.pdf", "not an article")
    articles, problems = read_articles([tmp_path], READERS)
    assert problems == []
    assert [a.text for a in articles] == ["y", "z", "b", "c"]


def test_a_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path / "a.txt", ARABIC)
    articles, _ = read_articles([path, tmp_path], READERS)
    assert len(articles) == 1


# --- markdown ---


def test_markdown_front_matter_becomes_metadata(tmp_path):
    path = write(
        tmp_path / "story.md",
        '---\ntitle: "Talks in Lisbon"\ndate: 2021-11-09\nsource: Reuters\nurl: https://example.com/lisbon\n'
        "tags:\n  - trade\n---\n# A heading\n\nOfficials met on Tuesday.\n",
    )
    article = read_one(path)
    assert (article.title, article.published, article.source, article.url) == (
        "Talks in Lisbon",
        "2021-11-09",
        "Reuters",
        "https://example.com/lisbon",
    )
    assert article.text == "A heading\n\nOfficials met on Tuesday."


def test_markdown_syntax_is_reduced_to_plain_text(tmp_path):
    path = write(
        tmp_path / "story.markdown",
        "# Talks *end* in Lisbon\n\n"
        "Officials **signed** a deal worth [3.5 billion euros](https://example.com/deal)\n"
        "on _Tuesday_. ![photo](talks.jpg)\n\n"
        "## Reactions\n\n"
        "- Markets rose.\n"
        "1. Unions objected.\n\n"
        "> Quoted text.\n\n"
        "```\nraw   code stays\n```\n",
    )
    article = read_one(path)
    assert article.title == "Talks end in Lisbon"
    assert article.text == (
        "Talks end in Lisbon\n\n"
        "Officials signed a deal worth 3.5 billion euros on Tuesday.\n\n"
        "Reactions\n\nMarkets rose.\n\nUnions objected.\n\nQuoted text.\n\nraw   code stays"
    )


# --- html ---

PAGE = """<!doctype html>
<html><head>
  <title>Talks end in Lisbon | Example News</title>
  <meta property="og:title" content="Talks end in Lisbon &amp; Porto">
  <meta property="og:site_name" content="Example News">
  <meta property="article:published_time" content="2021-11-09T10:00:00Z">
  <link rel="canonical" href="https://example.com/lisbon">
  <style>p { color: red }</style>
  <script>var tracking = "SCRIPT-TEXT";</script>
</head><body>
  <header>Site header</header>
  <nav><a href="/">Home</a> <a href="/world">World</a></nav>
  <article>
    <header><h1>Talks end in Lisbon</h1></header>
    <p>Officials met on Tuesday &amp; signed a deal.<br>The talks lasted two days.</p>
    <div class="social-share"><button>Share on Facebook</button> Tweet this</div>
    <img src="x.jpg" onerror="alert('IMG-HANDLER')">
    <figure><img src="y.jpg"><figcaption>Photo: Reuters</figcaption></figure>
    <script>document.write("INLINE-SCRIPT")</script>
    <ul><li>Trade rose.</li><li>Unions objected.</li></ul>
    <section id="comments">Comment by reader</section>
    <div class="related-articles">Other story</div>
  </article>
  <aside>Most read</aside>
  <footer>Copyright</footer>
</body></html>"""


def test_html_keeps_only_the_article_text_one_line_per_block(tmp_path):
    article = read_one(write(tmp_path / "page.html", PAGE))
    assert article.text == (
        "Talks end in Lisbon\nOfficials met on Tuesday & signed a deal.\nThe talks lasted two days.\n"
        "- Trade rose.\n- Unions objected."
    )
    for furniture in (
        "SCRIPT",
        "IMG-HANDLER",
        "onerror",
        "Home",
        "Share",
        "Tweet",
        "Photo",
        "Comment",
        "Other story",
        "Most read",
        "Copyright",
        "Site header",
        "color",
    ):
        assert furniture not in article.text


def test_html_metadata(tmp_path):
    article = read_one(write(tmp_path / "page.htm", PAGE))
    assert article.title == "Talks end in Lisbon & Porto"
    assert article.source == "Example News"
    assert article.published == "2021-11-09"  # ISO 8601 day
    assert article.url == "https://example.com/lisbon"


def test_html_without_article_uses_main_then_body_and_fallback_metadata(tmp_path):
    page = """<html><head><title>Budget vote | Daily</title><meta property="og:site_name" content="Daily">
    <meta property="og:url" content="https://daily.example/budget"></head>
    <body><div>Menu text</div><main><p>The budget passed.</p>
    <time datetime="2020-05-01">May 1</time></main></body></html>"""
    article = read_one(write(tmp_path / "main.html", page))
    assert article.text == "The budget passed."
    assert (article.title, article.url, article.published) == (
        "Budget vote",
        "https://daily.example/budget",
        "2020-05-01",
    )

    body_only = read_one(write(tmp_path / "body.html", "<body><h1>Headline</h1><p>Body text.</p></body>"))
    assert body_only.text == "Body text." and body_only.title == "Headline"  # the headline is the title


def test_html_dates_in_other_forms_become_iso_days(tmp_path):
    page = """<html><head><meta name="date" content="November 9, 2021"></head><body><article>
    <p>Officials met on Tuesday and signed a deal on trade between the two ports.</p></article></body></html>"""
    assert read_one(write(tmp_path / "dated.html", page)).published == "2021-11-09"


def test_html_in_a_declared_legacy_charset_is_read_and_comments_are_not(tmp_path):
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Wohnungssuche</title></head><body><article>'
        "<p>Die Wohnungssuche in Freiburg ist schwierig, sagen Studierende und Familien gleichermaßen.</p>"
        "<p>Mieten stiegen im vergangenen Jahr um zwölf Prozent.</p></article>"
        '<div class="comments"><h3>Kommentare</h3><p>Leserbrief: Ich finde das übertrieben.</p></div>'
        "</body></html>"
    ).encode("iso-8859-1")
    path = tmp_path / "legacy.html"
    path.write_bytes(page)
    article = read_one(path)
    assert "gleichermaßen" in article.text and "zwölf" in article.text
    assert "Leserbrief" not in article.text


def test_html_without_text_is_a_problem(tmp_path):
    path = write(tmp_path / "blank.html", "<html><body><script>alert(1)</script><nav>Home</nav></body></html>")
    assert only_problem(path) == "no article text found in the file"


# --- jsonl ---


def test_jsonl_bad_lines_are_reported_and_the_others_load(tmp_path):
    good = {
        "id": "lisbon-1",
        "title": "Talks",
        "text": "Officials met.",
        "url": "https://e.com/1",
        "published": "2021-11-09",
        "source": "Reuters",
    }
    lines = [
        json.dumps(good),
        "",
        '{"text": "broken',
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "no text"}),
        json.dumps({"text": "   "}),
        json.dumps({"id": 7, "text": "Second story."}),
    ]
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    articles, problems = read_articles([path], READERS)
    assert [(a.path, a.doc_id, a.text) for a in articles] == [
        (f"{path}#L1", "lisbon-1", "Officials met."),
        (f"{path}#L7", "7", "Second story."),
    ]
    first = articles[0]
    assert (first.title, first.url, first.published, first.source) == (
        "Talks",
        "https://e.com/1",
        "2021-11-09",
        "Reuters",
    )
    messages = [p.message for p in problems]
    assert messages[0].startswith("line 3: not valid JSON (Unterminated string")
    assert messages[1] == 'line 4: expected a JSON object with a "text" key, found a list'
    assert messages[2] == messages[3].replace("line 6", "line 5")
    assert "text" in messages[2] and "missing or empty" in messages[2]
    assert all(p.path == str(path) for p in problems)


def test_jsonl_metadata_of_the_wrong_type_is_a_problem(tmp_path):
    path = write(tmp_path / "feed.jsonl", json.dumps({"text": "Story.", "title": {"en": "x"}}))
    assert only_problem(path) == 'line 1: the "title" value must be a string, not dict'
