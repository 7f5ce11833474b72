"""Generated requests for every operation of the OpenAPI document, writes included (with a write key): the
service answers each with a 2xx or a 4xx, never a server error. At least 1,000 cases, bounded in count."""

import shutil
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from dalil.index.stores import load_store
from dalil.service.app import create_app
from dalil.settings import Settings
from tests.conftest import DEMO_ARTICLES

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 150


def test_no_generated_request_makes_a_server_error(_demo_index_dir, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(_demo_index_dir, folder, symlinks=True)
    service_settings = Settings(index_dir=folder, source_dir=DEMO_ARTICLES, embedder="hash", write_wait_s=5)
    headers = {"Authorization": f"Bearer {load_store(service_settings).keys().create('fuzzer', 'write')[1]}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(service_settings))
    cases, statuses = 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case):
            nonlocal cases
            cases += 1
            statuses[case.call_and_validate(headers=headers, checks=[not_a_server_error]).status_code // 100] += 1

        no_server_error()
    assert cases >= 1000
    assert statuses[2] >= 100 and statuses[4] >= 100  # both answers and refusals were exercised
