"""Entry point: ``uvicorn --factory dalil.service.main:create_app``, or ``python -m dalil.service.main``.

There is no module-level app; the index is opened in the application's lifespan.
"""

from __future__ import annotations

from dalil.service.app import create_app
from dalil.service.head_deadline import HeadDeadline
from dalil.settings import Settings

__all__ = ["create_app", "server_options", "run"]


def run(settings: Settings | None = None) -> None:
    """Serve on ``DALIL_HOST``:``DALIL_PORT``."""
    import uvicorn

    settings = settings or Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **server_options(settings))


def server_options(settings: Settings) -> dict:
    """uvicorn's options for serving dalil.

    Its protocol is ``HeadDeadline``: request headers have ``DALIL_HEADER_TIMEOUT_S`` to arrive. It believes
    X-Forwarded-For only from ``DALIL_TRUSTED_PROXIES``: by default from no one (uvicorn's own default trusts
    127.0.0.1, and any local client could then choose the address its rate limit counts)."""
    options: dict = {"http": HeadDeadline, "proxy_headers": bool(settings.trusted_proxies)}
    if settings.trusted_proxies:
        options["forwarded_allow_ips"] = ",".join(settings.trusted_proxies)
    return options


if __name__ == "__main__":
    run()
