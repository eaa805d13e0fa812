"""What the administration pages (opening hours, agents, the password link) share: their texts in
the agent's language and how a page is rendered."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from bot.console.auth import SignedInAgent
from bot.console.review import LANGUAGE_COOKIE
from bot.console.routes import templates
from bot.persistence.shop_settings import Actor
from bot.settings import Settings
from bot.trainer.review.texts import console_texts, pick_language
from text.wording import fill


def actor(agent: SignedInAgent) -> Actor:
    return Actor(agent.id, agent.username)


def render(request: Request, settings: Settings, agent: SignedInAgent | None, template: str, context: dict[str, Any],
           status_code: int = 200) -> Response:
    """The page in the language asked for in the URL, else the one chosen before, else the agent's first."""
    language = pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE),
                             agent.languages if agent else [])
    response = templates.TemplateResponse(request, template, {
        "agent": agent.as_dict() if agent else None, "t": console_texts(settings.admin_texts_path, language),
        "ui_lang": language, "other_lang": "en" if language == "pl" else "pl",
        "say": lambda text, **values: fill(text, language, **values), **context}, status_code=status_code)
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="strict", path="/console",
                            max_age=365 * 24 * 3600)
    return response
