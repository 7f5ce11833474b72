"""Test helpers that ship with dalil, so other packages' tests can use them too."""

from dalil.testing.fake_openai import FakeOpenAI, Reply, Responder

__all__ = ["FakeOpenAI", "Reply", "Responder"]
