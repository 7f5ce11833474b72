"""Entry point: ``uvicorn --factory dalil.service.main:create_app``, or ``python -m dalil.service.main``.

There is no module-level app; the index is opened in the application's lifespan.
"""

from __future__ import annotations

from dalil.service.app import create_app
from dalil.settings import Settings

__all__ = ["create_app", "run"]


def run(settings: Settings | None = None) -> None:
    """Serve on ``DALIL_HOST``:``DALIL_PORT``."""
    import uvicorn

    settings = settings or Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    run()
