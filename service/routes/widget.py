"""The chat widget's script and the demo page that embeds it (``GET /``), read from the installed package."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(tags=["widget"], include_in_schema=False)

STATIC = files("dalil.service") / "static"
# The demo page holds itself to the policy a careful news site would set, so it shows the widget works under it.
DEMO_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _static(name: str, media_type: str, headers: dict[str, str] | None = None) -> Response:
    return Response((STATIC / name).read_bytes(), media_type=media_type, headers=headers)


@router.get("/")
def demo_page() -> Response:
    return _static("demo.html", "text/html; charset=utf-8", {"Content-Security-Policy": DEMO_POLICY})


@router.get("/widget.js")
def widget_script() -> Response:
    # Other sites embed it: a short cache keeps updates flowing without a request per page view.
    return _static(
        "widget.js",
        "text/javascript; charset=utf-8",
        {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/demo.css")
def demo_styles() -> Response:
    return _static("demo.css", "text/css; charset=utf-8")


@router.get("/favicon.svg")
def favicon() -> Response:
    return _static("favicon.svg", "image/svg+xml")
