"""The chat widget's script and the demo page that embeds it (``GET /``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["widget"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "static"
# The demo page holds itself to the policy a careful news site would set, so it shows the widget works under it.
DEMO_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@router.get("/")
def demo_page() -> FileResponse:
    return FileResponse(STATIC / "demo.html", media_type="text/html", headers={"Content-Security-Policy": DEMO_POLICY})


@router.get("/widget.js")
def widget_script() -> FileResponse:
    # Other sites embed it: a short cache keeps updates flowing without a request per page view.
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/demo.css")
def demo_styles() -> FileResponse:
    return FileResponse(STATIC / "demo.css", media_type="text/css")


@router.get("/favicon.svg")
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")
