"""The fake OpenAI server, driven by the real ``openai`` client."""

from __future__ import annotations

import json
import threading
import time

import openai
import pytest
from openai import OpenAI

from dalil.testing import FakeOpenAI, Reply

MESSAGES = [{"role": "user", "content": "ما عاصمة أرمينيا؟"}]


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def client(fake: FakeOpenAI, **options) -> OpenAI:
    return OpenAI(base_url=fake.base_url, api_key="x", **{"max_retries": 0, "timeout": 5.0, **options})


def test_plain_reply(fake):
    fake.script(Reply("يريفان هي العاصمة."))
    completion = client(fake).chat.completions.create(model="gpt-test", messages=MESSAGES)
    assert completion.choices[0].message.content == "يريفان هي العاصمة."
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-test"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_models_lists_the_configured_model():
    with FakeOpenAI(model="dalil-fake") as fake:
        assert [model.id for model in client(fake).models.list()] == ["dalil-fake"]


def test_streamed_reply_joins_back_to_the_content(fake):
    content = "وقع وزير الدفاع  الروسي اتفاقا."
    fake.script(Reply(content))
    stream = client(fake).chat.completions.create(model="m", messages=MESSAGES, stream=True)
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == content
    assert len([c for c in chunks if c.choices[0].delta.content]) == 5  # one per word, spaces kept
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stream_chunks_arrive_separately_when_delayed(fake):
    fake.script(Reply(chunks=["a", "b", "c"], chunk_delay_s=0.1))
    arrivals = []
    for chunk in client(fake).chat.completions.create(model="m", messages=MESSAGES, stream=True):
        if chunk.choices[0].delta.content:
            arrivals.append((chunk.choices[0].delta.content, time.monotonic()))
    assert [piece for piece, _ in arrivals] == ["a", "b", "c"]
    gaps = [later - earlier for (_, earlier), (_, later) in zip(arrivals, arrivals[1:], strict=False)]
    assert all(gap >= 0.05 for gap in gaps)


def test_stream_reports_usage_when_asked(fake):
    fake.script(Reply("two words"))
    chunks = list(
        client(fake).chat.completions.create(
            model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 2


def test_server_error_surfaces_without_retries(fake):
    fake.script(Reply(status=500, content="boom"))
    with pytest.raises(openai.InternalServerError, match="boom"):
        client(fake).chat.completions.create(model="m", messages=MESSAGES)
    assert len(fake.requests) == 1


def test_rate_limit_then_success_is_retried(fake):
    # The client ignores ``retry-after: 0`` (it only honours positive delays) and would back off ~0.5 s;
    # ``retry-after-ms`` is honoured, which keeps this test fast.
    fake.script(Reply(status=429, headers={"retry-after-ms": "1"}), Reply("ok"))
    completion = client(fake, max_retries=1).chat.completions.create(model="m", messages=MESSAGES)
    assert completion.choices[0].message.content == "ok"
    assert len(fake.requests) == 2


def test_nothing_scripted_is_a_500(fake):
    with pytest.raises(openai.InternalServerError, match="no reply scripted"):
        client(fake).chat.completions.create(model="m", messages=MESSAGES)


def test_slow_reply_times_the_client_out(fake):
    fake.script(Reply("late", delay_s=10))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(fake, timeout=0.2).chat.completions.create(model="m", messages=MESSAGES)
    assert time.monotonic() - started < 2


def test_stalled_stream_times_the_client_out(fake):
    fake.script(Reply("one two three", stall_after=1))
    received = []
    with pytest.raises(openai.APITimeoutError):
        for chunk in client(fake, timeout=0.2).chat.completions.create(model="m", messages=MESSAGES, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert received == ["", "one "]


def test_garbage_json_body_fails_to_decode(fake):
    # Declared JSON that is not: the client lets json's own error through rather than an openai error.
    fake.script(Reply(raw_body="not json {"))
    with pytest.raises(json.JSONDecodeError):
        client(fake).chat.completions.create(model="m", messages=MESSAGES)


def test_garbage_error_body_is_an_api_status_error(fake):
    fake.script(Reply(status=502, raw_body="<html>bad gateway</html>", headers={"content-type": "text/html"}))
    with pytest.raises(openai.APIStatusError) as raised:
        client(fake).chat.completions.create(model="m", messages=MESSAGES)
    assert raised.value.status_code == 502


def test_requests_record_the_messages(fake):
    fake.script(Reply("a"), Reply("b"))
    api = client(fake)
    api.chat.completions.create(model="m", messages=MESSAGES)
    api.chat.completions.create(model="m", messages=[{"role": "user", "content": "second"}], temperature=0)
    assert [body["messages"] for body in fake.requests] == [MESSAGES, [{"role": "user", "content": "second"}]]
    assert fake.requests[1]["temperature"] == 0


def test_responder_receives_the_request_body():
    def echo(body: dict) -> Reply:
        return Reply(f"{body['model']}: {body['messages'][-1]['content']}")

    with FakeOpenAI(responder=echo) as fake:
        fake.script(Reply("scripted first"))
        api = client(fake)
        first = api.chat.completions.create(model="m", messages=MESSAGES)
        second = api.chat.completions.create(model="m", messages=MESSAGES)
    assert first.choices[0].message.content == "scripted first"
    assert second.choices[0].message.content == f"m: {MESSAGES[0]['content']}"


def test_unknown_path_is_a_404(fake):
    with pytest.raises(openai.NotFoundError):
        client(fake).embeddings.create(model="m", input="x")


def test_stop_returns_promptly_while_a_handler_sleeps():
    fake = FakeOpenAI().start()
    fake.script(Reply("never", delay_s=30))
    errors = []

    def call() -> None:
        try:
            client(fake).chat.completions.create(model="m", messages=MESSAGES)
        except openai.APIError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 2
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.requests, "the request never reached the fake"
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 1
    caller.join(timeout=2)
    assert not caller.is_alive()
    assert isinstance(errors[0], openai.APIConnectionError)  # the fake hung up without answering
