"""The rating page an e-mailed CSAT link opens: 1-5 stars, then "what went wrong?" after a low score.
The link's secret is stored only as its hash (Rating.link_token_hash); the page speaks the
conversation's language."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from bot.conversations.satisfaction import MAX_COMMENT_CHARS, SCORES, LinkedRating, Satisfaction
from bot.deps import SettingsDep, gateway_part
from bot.page_texts import rating_page_texts
from bot.settings import Settings
from bot.web.pages import templates

router = APIRouter(tags=["csat"])
SatisfactionDep = Annotated[Satisfaction, gateway_part("satisfaction")]


def _page(request: Request, settings: Settings, language: str, state: str, status_code: int = 200,
          **extra: object) -> HTMLResponse:
    texts = rating_page_texts(settings.widget_texts_path, language)
    token = request.path_params.get("token", "")
    return templates.TemplateResponse(request, "rating.html", {"lang": language, "texts": texts, "state": state,
                                                               "scores": SCORES, "token": token, **extra},
                                      status_code=status_code)


def _state(rating: LinkedRating) -> str:
    """What the page shows for a rating: the stars, the comment box after a low score, or done."""
    if rating.score is None:
        return "form"
    return "comment" if rating.low and not rating.comment else "answered"


@router.get("/rate/{token}", response_class=HTMLResponse, include_in_schema=False)
async def rating_form(request: Request, token: str, settings: SettingsDep,
                      satisfaction: SatisfactionDep) -> HTMLResponse:
    rating = await satisfaction.find_by_link(token)
    if rating is None:
        return _page(request, settings, settings.default_language, "unknown", 404)
    return _page(request, settings, rating.language, _state(rating))


@router.post("/rate/{token}", response_class=HTMLResponse, include_in_schema=False)
async def rating_answer(request: Request, token: str, settings: SettingsDep, satisfaction: SatisfactionDep,
                        score: Annotated[str, Form()] = "") -> HTMLResponse:
    rating = await satisfaction.find_by_link(token)
    if rating is None:
        return _page(request, settings, settings.default_language, "unknown", 404)
    if rating.score is not None:
        return _page(request, settings, rating.language, _state(rating))
    if not score.isdigit() or int(score) not in SCORES:
        return _page(request, settings, rating.language, "form", 422, invalid=True)
    rating, _ = await satisfaction.score_by_link(token, int(score))
    return _page(request, settings, rating.language, "comment" if rating.low else "thanks")


@router.post("/rate/{token}/comment", response_class=HTMLResponse, include_in_schema=False)
async def rating_comment(request: Request, token: str, settings: SettingsDep, satisfaction: SatisfactionDep,
                         comment: Annotated[str, Form()] = "") -> HTMLResponse:
    rating = await satisfaction.find_by_link(token)
    if rating is None:
        return _page(request, settings, settings.default_language, "unknown", 404)
    if not comment.strip() or len(comment) > MAX_COMMENT_CHARS:
        return _page(request, settings, rating.language, _state(rating), 422 if _state(rating) == "comment" else 200)
    stored = await satisfaction.comment_by_link(token, comment)
    return _page(request, settings, rating.language, "comment_thanks" if stored else "answered")
