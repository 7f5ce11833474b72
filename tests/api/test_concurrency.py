"""The service answers many questions at once, consistently (one index, one SQLite connection, thread pool)."""

import concurrent.futures

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_concurrent_questions_are_all_answered(live_service):
    questions = [
        "في أي مدينة أجرى ميدفيديف مباحثاته؟",
        "Which years does the border security programme cover?",
        "ما المشروع الذي تبناه مجلس وزراء دفاع الرابطة؟",
        "How often does Kazakhstan face threats?",
    ] * 8

    def ask(question):
        with httpx.Client(base_url=live_service, timeout=30) as client:
            return client.post("/v1/ask", json={"question": question})

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(ask, questions))
    assert [r.status_code for r in responses] == [200] * len(questions)
    by_question = {}
    for question, response in zip(questions, responses, strict=True):
        by_question.setdefault(question, set()).add(response.json()["answer"])
    assert all(len(answers) == 1 for answers in by_question.values())  # same question, same answer, under load
