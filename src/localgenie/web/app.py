"""`create_app`: the FastAPI application: one shared model queue, a SQLite job store, the JSON API under
/api (OpenAPI docs at /docs), and the server-rendered pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from localgenie import __version__
from localgenie.cascade import AUTO
from localgenie.llm import Backend, get_backend

from . import db, tubetalk_jobs
from .deps import AppState
from .errors import install_handlers
from .jobs import JobRunner, JobStore
from .queue import ModelQueue
from .routes import (
    core,
    extract,
    generate,
    kitchen,
    pantry,
    pantry_confirm,
    recipes,
    review,
    shopping,
    tubetalk,
)
from .security import SecurityMiddleware
from .settings import WebSettings

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: WebSettings | None = None, *, backend_factory: Callable[[str], Backend] = get_backend
) -> FastAPI:
    """Build the app.  ``settings`` defaults to the environment (`WebSettings.from_env`)."""
    settings = settings or WebSettings.from_env()
    db.migrate(settings.web_db)
    model = settings.model or db.get_pref(settings.web_db, core.MODEL_PREF)
    model = model or (AUTO if core.auto_ready() else "default")  # auto: tiny first, default when needed
    queue = ModelQueue(model, settings.queue_size, backend_factory)
    store = JobStore(settings.web_db)
    runner = JobRunner(store, settings.max_jobs)
    state = AppState(settings=settings, queue=queue, jobs=store, runner=runner)
    runner.register(tubetalk_jobs.KIND, tubetalk_jobs.tubetalk_handler(state))
    runner.register(kitchen.IMPORT_KIND, kitchen.import_handler(state))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.resume()  # jobs a stopped server left unfinished
        yield
        runner.close()
        queue.close()

    app = FastAPI(
        title="Genie",
        version=__version__,
        description="Local-first LLM apps: schema-guided extraction, KitchenGenie, TubeTalk.",
        docs_url=None,  # served by core.docs from local files
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.genie = state
    install_handlers(app)
    for module in (core, extract, pantry, pantry_confirm, kitchen, recipes, shopping, generate, tubetalk):
        app.include_router(module.api)
        app.include_router(module.pages)
    app.include_router(review.pages)
    app.mount("/static/swagger", StaticFiles(directory=str(_swagger_dir())), name="swagger")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(
        SecurityMiddleware,
        token=settings.token,
        max_body=settings.max_upload_bytes,
        secure_cookies=settings.secure_cookies,
    )
    if settings.allowed_hosts:
        # Outermost: a DNS-rebinding page reaches 127.0.0.1 under its own host name, and is refused here.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    return app


def _swagger_dir() -> Path:
    import swagger_ui_bundle  # type: ignore[import-untyped]

    return Path(str(swagger_ui_bundle.swagger_ui_path))
