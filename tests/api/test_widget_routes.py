"""The widget's files and the demo page are served; browsers on allowed origins may call the API."""

from fastapi.testclient import TestClient

from dalil.service.app import create_app
from dalil.service.routes.widget import DEMO_POLICY


def test_demo_page_embeds_the_widget_under_a_strict_policy(settings_for_tests, demo_index):
    with TestClient(create_app(settings_for_tests, index=demo_index)) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == DEMO_POLICY and "'unsafe-inline'" not in DEMO_POLICY
        assert 'src="/widget.js"' in page.text and "<style" not in page.text
        assert "<script>" not in page.text  # no inline script: the policy would refuse it
        script = client.get("/widget.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        for forbidden in ("innerHTML", "insertAdjacentHTML", "eval(", "new Function"):
            assert forbidden not in script.text, forbidden
        assert client.get("/demo.css").headers["content-type"].startswith("text/css")


def test_only_allowed_origins_get_cors_headers(make_settings, settings_for_tests, demo_index):
    settings = settings_for_tests.model_copy(update={"cors_origins": ["https://news.example"]})
    with TestClient(create_app(settings, index=demo_index)) as client:
        preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
        allowed = client.options("/v1/ask/stream", headers={"origin": "https://news.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://news.example"
        refused = client.options("/v1/ask/stream", headers={"origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in refused.headers
        simple = client.get("/healthz", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers
