"""The app factory: one PromptGen, its routes, middleware, metrics and error mapping."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount
from starlette.types import Scope

from promptgen import __version__
from promptgen.engine import PromptGen
from promptgen.errors import PromptGenError
from promptgen.server.context import RequestContext
from promptgen.server.errors import install_error_handlers
from promptgen.server.library_routes import library
from promptgen.server.logs import configure_logging, log
from promptgen.server.metrics import Metrics
from promptgen.server.observe import PrecomputeObserver
from promptgen.server.ratelimit import SharedRateLimiter, shared_windows
from promptgen.server.routes import api, ops
from promptgen.server.security import Keyring, RateLimiter
from promptgen.settings import Settings

# Where `make web` builds the page in a source checkout; installed wheels set PROMPTGEN_WEB_DIR.
WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


def _build_engine(
    settings: Settings, logger: logging.Logger
) -> tuple[PromptGen | None, str | None]:
    """The engine, or None with the reason: the server must start either way."""
    try:
        promptgen = PromptGen(settings)
    except PromptGenError as exc:
        log(logger, logging.ERROR, "PromptGen unavailable:", reason=exc.message, code=exc.code)
        return None, exc.message
    except Exception as exc:
        log(logger, logging.ERROR, "PromptGen unavailable:", reason=f"{type(exc).__name__}: {exc}")
        return None, f"{type(exc).__name__}: {exc}"
    promptgen.precompute("warm up the caches before the first request", request_id="startup")
    stats = promptgen.library.stats()
    log(
        logger,
        logging.INFO,
        "✓ PromptGen imported",
        version=__version__,
        intent_model=promptgen.classifier.fingerprint(),
        documents=stats.documents,
        chunks=stats.chunks,
    )
    note = stats.reingest_note()
    if note:
        log(logger, logging.WARNING, "Library needs a re-ingest:", reason=note)
    return promptgen, None


def rate_limiter(settings: Settings, logger: logging.Logger) -> RateLimiter | SharedRateLimiter:
    """The shared limiter (every worker and replica counts together) when its table can be
    opened, else one per process (and a warning)."""
    if settings.rate_limit_shared and settings.rate_limit_per_minute > 0:
        try:
            windows = shared_windows(settings.database_url, settings.sqlite_path)
            return SharedRateLimiter(settings.rate_limit_per_minute, windows)
        except Exception as exc:  # the server must start; the limit still holds per process
            log(logger, logging.WARNING, "Rate limit counted per process:", reason=str(exc))
    return RateLimiter(settings.rate_limit_per_minute)


def create_app(
    promptgen: PromptGen | None = None,
    settings: Settings | None = None,
    *,
    build_engine: bool = True,
) -> FastAPI:
    """The HTTP app over ``promptgen`` (built from ``settings`` or the environment when absent).

    ``build_engine=False`` leaves it unbuilt (no Library, no models; precompute answers 503):
    enough for ``app.openapi()``, which ``promptgen.server.openapi`` exports.
    """
    settings = settings or (promptgen.settings if promptgen else Settings())
    logger = configure_logging(settings.log_format)
    unavailable = None
    if promptgen is None:
        if build_engine:
            promptgen, unavailable = _build_engine(settings, logger)
        else:
            unavailable = "the engine was not built (create_app(build_engine=False))"
    app = FastAPI(
        title="PromptGen",
        version=__version__,
        summary="Typing-time prompt intelligence: intent, grounded context, optimized prompt, cost.",
    )
    app.state.settings = settings
    app.state.promptgen = promptgen
    app.state.unavailable = unavailable
    app.state.logger = logger
    app.state.metrics = Metrics()
    app.state.keys = Keyring(settings.plain_keys(), settings.api_keys_file)
    app.state.rate_limiter = rate_limiter(settings, logger)
    install_error_handlers(app)
    app.include_router(api)
    app.include_router(library)
    app.include_router(ops)
    if settings.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(
        RequestContext,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        logger=logger,
        observer=PrecomputeObserver(app.state.metrics, logger),
    )
    web_dir = settings.web_dir or WEB_DIST
    if web_dir.is_dir():
        app.router.routes.append(WebPage(StaticFiles(directory=web_dir, html=True)))
    return app


class WebPage(Mount):
    """The built page at ``/``, which never answers for the service's own paths.

    A mount at ``/`` matches every path, so without this a PUT to /api/precompute reached the
    static files (a 405 allowing GET, HEAD) instead of the route (a 405 allowing POST).
    """

    SERVICE_PATHS = ("/api/", "/health", "/metrics", "/docs", "/redoc", "/openapi.json")

    def __init__(self, files: StaticFiles) -> None:
        super().__init__("/", app=files, name="web")

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path", "").startswith(self.SERVICE_PATHS):
            return Match.NONE, {}
        return super().matches(scope)
