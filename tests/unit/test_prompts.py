"""Prompt templates: the shipped ones load; every kind of broken template is refused with a message naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dalil.prompts import PromptError, load_prompts
from dalil.prompts.loader import load_template

SHIPPED = Path(__file__).resolve().parents[2] / "prompts" / "templates"

GOOD = """description = "d"
variables = ["question"]
system = "Fixed rules."
user = "Q: {question}"
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(SHIPPED, target)
    return target


def test_shipped_templates_load_and_render():
    prompts = load_prompts(SHIPPED)
    assert prompts.versions == {"answer": 1, "language_retry": 1}
    messages = prompts["answer"].render(
        sources="[1] «T»: نص", question="ما السؤال؟", language_name="Arabic", max_sentences=3
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "ما السؤال؟" in messages[1]["content"] and "[1] «T»: نص" in messages[1]["content"]
    # Untrusted text never reaches the system role.
    assert "ما السؤال؟" not in messages[0]["content"] and "نص" not in messages[0]["content"]
    assert "NO_ANSWER" in messages[0]["content"]


def test_retry_template_has_no_system_message():
    messages = load_prompts(SHIPPED)["language_retry"].render(language_name="English")
    assert messages == [{"role": "user", "content": messages[0]["content"]}]
    assert "English" in messages[0]["content"]


def test_newest_version_wins_unless_pinned(folder):
    (folder / "answer.v2.toml").write_text(
        (folder / "answer.v1.toml").read_text(encoding="utf-8").replace("Question:", "Q:"), encoding="utf-8"
    )
    assert load_prompts(folder)["answer"].version == 2
    assert load_prompts(folder, {"answer": 1})["answer"].version == 1
    with pytest.raises(PromptError, match="no version 7"):
        load_prompts(folder, {"answer": 7})
    with pytest.raises(PromptError, match="unknown prompts"):
        load_prompts(folder, {"summary": 1})


def test_missing_folder_and_missing_template(tmp_path, folder):
    with pytest.raises(PromptError, match="does not exist"):
        load_prompts(tmp_path / "nowhere")
    (folder / "language_retry.v1.toml").unlink()
    with pytest.raises(PromptError, match="language_retry.v1.toml"):
        load_prompts(folder)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('description = "d"\nvariables = [\n', "not valid TOML"),
        (GOOD + 'extra = "x"\n', "unknown \\['extra'\\]"),
        (GOOD.replace('system = "Fixed rules."\n', ""), "missing \\['system'\\]"),
        (GOOD.replace('"Q: {question}"', '"Q: {question} {lang}"'), "uses \\['lang', 'question'\\]"),
        (GOOD.replace('["question"]', '["question", "lang"]'), "declares \\['lang', 'question'\\]"),
        (GOOD.replace('"Fixed rules."', '"Rules for {question}"'), "system text must not contain placeholders"),
        (GOOD.replace('"Q: {question}"', '"Q: {question"'), "bad placeholder"),
        (GOOD.replace('"Q: {question}"', '"Q: {question!r}"'), "plain name"),
        (GOOD.replace('"Q: {question}"', '"Q: {question.upper}"'), "plain name"),
        (GOOD.replace('["question"]', '"question"'), "'variables' must be a list"),
        (GOOD.replace('system = "Fixed rules."', "system = 3"), "'system' must be a string"),
    ],
)
def test_malformed_template_is_refused_with_its_path(tmp_path, text, complaint):
    path = tmp_path / "answer.v1.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptError, match=complaint) as raised:
        load_template(path)
    assert str(path) in str(raised.value)


def test_file_name_must_carry_a_version(tmp_path):
    path = tmp_path / "answer.toml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(PromptError, match="<name>.v<version>.toml"):
        load_template(path)


def test_literal_braces_are_allowed_when_doubled(tmp_path):
    path = tmp_path / "answer.v1.toml"
    path.write_text(GOOD.replace('"Q: {question}"', '"Reply as {{json}}. Q: {question}"'), encoding="utf-8")
    assert load_template(path).render(question="x")[1]["content"] == "Reply as {json}. Q: x"


def test_render_refuses_missing_or_extra_values():
    template = load_prompts(SHIPPED)["language_retry"]
    with pytest.raises(PromptError, match="missing \\['language_name'\\]"):
        template.render()
    with pytest.raises(PromptError, match="extra \\['question'\\]"):
        template.render(language_name="Arabic", question="x")


def test_values_with_braces_are_inserted_verbatim():
    content = load_prompts(SHIPPED)["language_retry"].render(language_name="{Arabic}")[0]["content"]
    assert "{Arabic}" in content
