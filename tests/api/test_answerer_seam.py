"""An answerer from outside dalil is used by name, by the auto policy, and shown in /healthz, with no edit to dalil."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dalil.qa.citations import cite
from dalil.qa.replay import replay
from dalil.qa.types import Answer
from dalil.service.app import create_app


class FirstSentence:
    """Answers with the first sentence of the best passage: an answerer as a plug-in would write one."""

    name = "first"
    model = "first-sentence/v1"

    def __init__(self) -> None:
        self.healthy = True

    def available(self) -> bool:
        return self.healthy

    def stream(self, prepared, index):
        sentence = prepared.passages[0].sentences[0]
        article = index.get_document(sentence.doc_id)
        citation = cite(sentence, article.text, article.title)
        return replay(
            Answer(
                answer=f"{citation.quote} [1]",
                language=prepared.language,
                abstained=False,
                confidence=prepared.confidence,
                citations=[citation],
                passages=prepared.passages,
                backend=self.name,
                timings_ms=prepared.timings(),
            )
        )


QUESTION = "ما المشروع الذي تبناه مجلس وزراء دفاع الرابطة؟"


def test_a_named_answerer_answers_and_is_listed(settings_for_tests, demo_index):
    with TestClient(create_app(settings_for_tests, index=demo_index, answerers={"first": FirstSentence()})) as client:
        body = client.post("/v1/ask", json={"question": QUESTION, "backend": "first"}).json()
        assert body["backend"] == "first"
        (citation,) = body["citations"]
        assert body["answer"] == f"{citation['quote']} [1]"
        assert citation["id"] == body["passages"][0]["sentences"][0]["id"]
        listed = {a["name"]: a for a in client.get("/healthz").json()["answerers"]}
        assert listed["first"] == {"name": "first", "available": True, "model": "first-sentence/v1"}
        assert listed["extractive"]["available"] is True


def test_auto_takes_the_first_available_answerer_of_the_order(settings_for_tests, demo_index):
    first = FirstSentence()
    settings = settings_for_tests.model_copy(update={"auto_order": ["first", "extractive"]})
    with TestClient(create_app(settings, index=demo_index, answerers={"first": first})) as client:
        assert client.post("/v1/ask", json={"question": QUESTION}).json()["backend"] == "first"
        first.healthy = False
        assert client.post("/v1/ask", json={"question": QUESTION}).json()["backend"] == "extractive"
        assert client.post("/v1/ask", json={"question": QUESTION, "backend": "first"}).json()["backend"] == "first"
