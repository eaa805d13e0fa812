"""The opening-hours page for admins: weekly hours, public holidays and the shop's own days off, and
the wait limit for "talk to a person"; saved in the database, in force at once, with a change log."""

from typing import Annotated, Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.console.admin_pages import actor, render
from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import AdminOnly, AdminOnlyPage
from bot.deps import ClockDep, HubDep, SessionsDep, SettingsDep, gateway_part
from bot.handoff.hours_settings import SECTION, HoursForm, Problem, apply, shown
from bot.handoff.live_config import LiveHandoffConfig
from bot.persistence import shop_settings
from bot.realtime import AVAILABILITY_TOPIC
from bot.settings import Settings
from db.sessions import read, write
from shop.owner_settings import WEEKDAYS

router = console_router("/console/settings", ["console settings"])
HandoffHoursDep = Annotated[LiveHandoffConfig, gateway_part("handoff_hours")]
AUDITED_SECTIONS = (SECTION, "agents")


def audit_rows(session: Session, sections: tuple[str, ...] = AUDITED_SECTIONS) -> list[dict[str, Any]]:
    return [{"when": change.changed_at, "who": change.actor, "section": change.section, "field": change.field,
             "old": change.old_value, "new": change.new_value}
            for change in shop_settings.recent_changes(session, sections)]


async def _page(request: Request, settings: Settings, sessions: SessionsDep, live: LiveHandoffConfig,
                agent: SignedInAgent, form: HoursForm | None = None, problems: list[Problem] | None = None,
                saved: bool = False) -> Response:
    def load(session: Session) -> tuple[HoursForm, list[dict[str, Any]]]:
        return HoursForm.of(live.in_session(session)), audit_rows(session)
    current, audit = await read(sessions, load)
    return render(request, settings, agent, "settings.html", {
        "form": form or current, "weekdays": WEEKDAYS, "problems": {p.field: p.message for p in problems or []},
        "saved": saved, "audit": audit},
        status.HTTP_422_UNPROCESSABLE_CONTENT if problems else status.HTTP_200_OK)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def settings_page(request: Request, settings: SettingsDep, sessions: SessionsDep, live: HandoffHoursDep,
                        agent: AdminOnlyPage) -> Response:
    return await _page(request, settings, sessions, live, agent, saved=request.query_params.get("saved") == "1")


def _form(fields: dict[str, str]) -> HoursForm:
    weekly = {day: (fields.get(f"{day}_opening", "").strip(), fields.get(f"{day}_closing", "").strip())
              if fields.get(f"{day}_open") else None for day in WEEKDAYS}
    return HoursForm(weekly_hours=weekly, observe_holidays=bool(fields.get("observe_holidays")),
                     closed_days=[line.strip() for line in fields.get("closed_days", "").splitlines() if line.strip()],
                     max_live_wait_minutes=fields.get("max_live_wait_minutes", "").strip())


@router.post("/hours", include_in_schema=False)
async def save_hours(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep, hub: HubDep,
                     live: HandoffHoursDep, agent: AdminOnly) -> Response:
    raw = await request.form()
    form = _form({key: value for key, value in raw.items() if isinstance(value, str)})
    problems = form.problems()
    if problems:
        return await _page(request, settings, sessions, live, agent, form, problems)
    now, value = clock(), form.stored()

    def save(session: Session) -> None:
        before = live.in_session(session)
        shop_settings.save(session, SECTION, value, shown(apply(live.defaults, value)), shown(before), actor(agent),
                           now)
    await write(sessions, save)
    live.forget()
    hub.publish(AVAILABILITY_TOPIC, {"type": "availability_changed"})  # open widgets ask again at once
    return RedirectResponse("/console/settings?saved=1", status_code=status.HTTP_303_SEE_OTHER)
