"""The chat widget's page for admins: its title, greeting and a few other texts in Polish and English,
and its colours; saved in the database, in the widget from its next page load, with a change log."""

from typing import Annotated, Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.console.admin_pages import actor, render
from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import AdminOnly, AdminOnlyPage
from bot.console.shop_settings import audit_rows
from bot.deps import ClockDep, SessionsDep, SettingsDep, gateway_part
from bot.persistence import shop_settings
from bot.settings import Settings
from bot.widget_look import COLOURS, EDITABLE_TEXTS, LANGUAGES, SECTION, LiveWidgetLook, Problem, WidgetForm
from db.sessions import read, write

router = console_router("/console/settings", ["console settings"])
WidgetLookDep = Annotated[LiveWidgetLook, gateway_part("widget_look")]
PAGE = "/console/settings/widget"


async def _page(request: Request, settings: Settings, sessions: SessionsDep, live: LiveWidgetLook,
                agent: SignedInAgent, form: WidgetForm | None = None, problems: list[Problem] | None = None) -> Response:
    def load(session: Session) -> tuple[WidgetForm, list[dict[str, Any]]]:
        return WidgetForm.of(live.in_session(session)), audit_rows(session, (SECTION,))
    current, audit = await read(sessions, load)
    return render(request, settings, agent, "widget_settings.html", {
        "form": form or current, "languages": LANGUAGES, "text_keys": EDITABLE_TEXTS, "colour_names": COLOURS,
        "problems": {p.field: p.message for p in problems or []}, "saved": request.query_params.get("saved") == "1",
        "audit": audit}, status.HTTP_422_UNPROCESSABLE_CONTENT if problems else status.HTTP_200_OK)


@router.get("/widget", response_class=HTMLResponse, include_in_schema=False)
async def widget_page(request: Request, settings: SettingsDep, sessions: SessionsDep, live: WidgetLookDep,
                      agent: AdminOnlyPage) -> Response:
    return await _page(request, settings, sessions, live, agent)


@router.post("/widget", include_in_schema=False)
async def save_widget(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                      live: WidgetLookDep, agent: AdminOnly) -> Response:
    raw = await request.form()
    fields = {key: value.strip() for key, value in raw.items() if isinstance(value, str)}
    # Only the texts and colours the page offers: any other field sent is no widget text and is ignored.
    form = WidgetForm(texts={language: {key: fields.get(f"{language}_{key}", "") for key in EDITABLE_TEXTS}
                             for language in LANGUAGES},
                      colours={name: fields.get(name, "") for name in COLOURS})
    problems = form.problems()
    if problems:
        return await _page(request, settings, sessions, live, agent, form, problems)
    now = clock()

    def save(session: Session) -> None:
        before = WidgetForm.of(live.in_session(session))
        shop_settings.save(session, SECTION, form.stored(), form.shown(), before.shown(), actor(agent), now)
    await write(sessions, save)
    live.forget()
    return RedirectResponse(f"{PAGE}?saved=1", status_code=status.HTTP_303_SEE_OTHER)
