"""A real uvicorn server on 127.0.0.1 over the hash-embedder demo index."""

import pytest

from dalil.service.app import create_app
from dalil.testing.server import serving


@pytest.fixture
def live_service(settings_for_tests):
    with serving(create_app(settings_for_tests)) as url:
        yield url
