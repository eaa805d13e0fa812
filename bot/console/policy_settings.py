"""The shop-rules page for admins: the shipping table and dispatch cut-off, the return window and
what cannot be returned, the contact details customers are given. Saved in the database and in force
at once here, within seconds in the action server (shop/policy_settings.py), with a change log."""

from collections.abc import Callable
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
from db.sessions import read, write
from shop.policy import ShopPolicy
from shop.policy_settings import (
    CONTACT,
    RETURNS,
    SECTIONS,
    SHIPPING,
    ContactForm,
    LivePolicy,
    MethodForm,
    Problem,
    ReturnsForm,
    ShippingForm,
)

router = console_router("/console/settings", ["console settings"])
ShopPolicyDep = Annotated[LivePolicy, gateway_part("shop_policy")]
PAGE = "/console/settings/shop"
Form = ShippingForm | ReturnsForm | ContactForm


async def _page(request: Request, settings: Settings, sessions: SessionsDep, live: LivePolicy, agent: SignedInAgent,
                typed: Form | None = None, problems: list[Problem] | None = None) -> Response:
    def load(session: Session) -> tuple[ShopPolicy, list[dict[str, Any]]]:
        return live.in_session(session), audit_rows(session, SECTIONS)
    policy, audit = await read(sessions, load)
    forms: dict[str, Any] = {"shipping": ShippingForm.of(policy), "returns": ReturnsForm.of(policy),
                             "contact": ContactForm.of(policy)}
    if typed is not None:  # the form sent back as typed, beside the others as saved
        forms[{ShippingForm: SHIPPING, ReturnsForm: RETURNS, ContactForm: CONTACT}[type(typed)]] = typed
    return render(request, settings, agent, "shop_rules.html", {
        **forms, "policy": policy, "problems": {p.field: p.message for p in problems or []},
        "saved": request.query_params.get("saved") in SECTIONS, "audit": audit},
        status.HTTP_422_UNPROCESSABLE_CONTENT if problems else status.HTTP_200_OK)


@router.get("/shop", response_class=HTMLResponse, include_in_schema=False)
async def shop_rules_page(request: Request, settings: SettingsDep, sessions: SessionsDep, live: ShopPolicyDep,
                          agent: AdminOnlyPage) -> Response:
    return await _page(request, settings, sessions, live, agent)


async def _fields(request: Request) -> tuple[dict[str, str], Callable[[str], list[str]]]:
    raw = await request.form()
    return ({key: value.strip() for key, value in raw.items() if isinstance(value, str)},
            lambda key: [value for value in raw.getlist(key) if isinstance(value, str)])


async def _save(request: Request, settings: Settings, sessions: SessionsDep, clock: ClockDep, live: LivePolicy,
                agent: SignedInAgent, section: str, form: Form, problems: list[Problem]) -> Response:
    if problems:
        return await _page(request, settings, sessions, live, agent, form, problems)
    now = clock()

    def save(session: Session) -> None:
        before = {SHIPPING: ShippingForm, RETURNS: ReturnsForm, CONTACT: ContactForm}[section].of(
            live.in_session(session))
        shop_settings.save(session, section, form.stored(), form.shown(), before.shown(), actor(agent), now)
    await write(sessions, save)
    live.forget()
    return RedirectResponse(f"{PAGE}?saved={section}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/shipping", include_in_schema=False)
async def save_shipping(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                        live: ShopPolicyDep, agent: AdminOnly) -> Response:
    fields, _ = await _fields(request)
    shipping = live.defaults.shipping  # the methods and currencies config/shop_policy.yml lists
    form = ShippingForm(
        free_shipping_threshold={c: fields.get(f"threshold_{c}", "") for c in shipping.free_shipping_threshold},
        dispatch_cutoff=fields.get("dispatch_cutoff", ""),
        methods={m.code: MethodForm(carrier=fields.get(f"{m.code}_carrier", ""),
                                    prices={c: fields.get(f"{m.code}_price_{c}", "") for c in m.price},
                                    transit_days=fields.get(f"{m.code}_transit_days", ""),
                                    free_over_threshold=bool(fields.get(f"{m.code}_free")))
                 for m in shipping.methods})
    return await _save(request, settings, sessions, clock, live, agent, SHIPPING, form, form.problems())


@router.post("/returns", include_in_schema=False)
async def save_returns(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                       live: ShopPolicyDep, agent: AdminOnly) -> Response:
    fields, many = await _fields(request)
    form = ReturnsForm(window_days=fields.get("window_days", ""), non_returnable_categories=many("non_returnable"))
    problems = form.problems(live.defaults.categories)
    return await _save(request, settings, sessions, clock, live, agent, RETURNS, form, problems)


@router.post("/contact", include_in_schema=False)
async def save_contact(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                       live: ShopPolicyDep, agent: AdminOnly) -> Response:
    fields, _ = await _fields(request)
    form = ContactForm(phone=fields.get("phone", ""), email=fields.get("email", ""),
                       address={language: fields.get(f"address_{language}", "") for language in ("pl", "en")})
    return await _save(request, settings, sessions, clock, live, agent, CONTACT, form, form.problems())
