"""The shell: home, health, models and settings, login (when a token is set), and the API docs served
from the locally installed Swagger UI (no CDN)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from localgenie import __version__
from localgenie.cascade import AUTO
from localgenie.errors import BadInput, ModelNotFound
from localgenie.llm import list_models
from localgenie.llm.models import resolve_model_path

from .. import db
from ..deps import CSRF, AppState, State, responses
from ..models import Health, ModelOut, SettingsIn, SettingsOut
from ..pages import render
from ..security import TOKEN_COOKIE, login_matches

api = APIRouter(tags=["server"])
pages = APIRouter(include_in_schema=False, dependencies=CSRF)
MODEL_PREF = "model"


@api.get("/healthz", response_model=Health)
def healthz(state: State) -> Health:
    return Health(
        status="ok",
        version=__version__,
        model=state.queue.model,
        queue_waiting=state.queue.pending,
        queue_capacity=state.queue.capacity,
    )


def _models(state: AppState) -> list[ModelOut]:
    found = list_models()
    ready = {m.name for m in found if m.status == "ready"}
    auto = ModelOut(
        name=AUTO,
        description="tiny first, default when tiny's answer fails the checks (values not in the text, low "
        "confidence); recipes, theme labels and the kitchen start at default",
        status="ready" if {"tiny", "default"} <= ready else "needs tiny and default ready",
        size=None,
        selected=state.queue.model == AUTO,
    )
    return [
        *(
            ModelOut(
                name=m.name,
                description=m.description,
                status=m.status,
                size=m.size,
                selected=m.name == state.queue.model,
            )
            for m in found
        ),
        auto,
    ]


def auto_ready() -> bool:
    """Whether ``auto`` has two models to choose between here (the web app's default then)."""
    return {m.name for m in list_models() if m.status == "ready"} >= {"tiny", "default"}


@api.get("/api/models", response_model=list[ModelOut])
def models(state: State) -> list[ModelOut]:
    """Built-in models and whether each is ready to load (paths stay on the server)."""
    return _models(state)


def _backend_kind() -> str:
    from localgenie.config import remote_from_env

    remote = remote_from_env()
    return f"remote: {remote.base_url}" if remote else "embedded llama.cpp"


def choose_model(state: AppState, name: str) -> None:
    """Only built-in names: a request never names a file on the server."""
    if name == AUTO:
        if not auto_ready():
            raise BadInput("model 'auto' needs both tiny and default ready: genie models prepare default")
        state.queue.set_model(name)
        db.set_pref(state.settings.web_db, MODEL_PREF, name)
        return
    if name not in {m.name for m in list_models()}:
        raise ModelNotFound(
            f"unknown model {name!r}: choose one of {', '.join(m.name for m in list_models())}"
        )
    try:
        resolve_model_path(name)
    except BadInput as exc:
        raise BadInput(f"model {name!r} is not ready: {exc}") from exc
    state.queue.set_model(name)
    db.set_pref(state.settings.web_db, MODEL_PREF, name)


@api.get("/api/settings", response_model=SettingsOut)
def get_settings(state: State) -> SettingsOut:
    return SettingsOut(model=state.queue.model, backend=_backend_kind())


@api.put(
    "/api/settings",
    response_model=SettingsOut,
    responses=responses(400, say={400: "unknown or unready model"}),
)
def put_settings(body: SettingsIn, state: State) -> SettingsOut:
    """Switch the model used by later requests (remembered across restarts)."""
    choose_model(state, body.model)
    return SettingsOut(model=state.queue.model, backend=_backend_kind())


# ------------------------------------------------------------------ pages


@pages.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/extract", status_code=303)


@pages.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@pages.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, state: State) -> HTMLResponse:
    context: dict[str, Any] = {"models": _models(state), "backend": _backend_kind(), "error": None}
    return render(request, "settings.html", context)


@pages.post("/settings", response_model=None)
def settings_submit(request: Request, state: State, model: Annotated[str, Form()]) -> Response:
    try:
        choose_model(state, model)
    except BadInput as exc:
        context: dict[str, Any] = {"models": _models(state), "backend": _backend_kind(), "error": str(exc)}
        return render(request, "settings.html", context, status=400)
    return RedirectResponse("/settings", status_code=303)


@pages.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"error": None})


@pages.post("/login", response_model=None)
def login_submit(request: Request, state: State, token: Annotated[str, Form()]) -> Response:
    if not login_matches(state.settings.token, token):
        return render(request, "login.html", {"error": "wrong token"}, status=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
        max_age=30 * 24 * 3600,
    )
    return response


@pages.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Genie API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )
