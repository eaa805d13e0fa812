"""The survey page an SMS link opens (after every call reached voicemail): 0-10 and why."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from bot.api.deps import GatewayDep
from bot.web.pages import templates
from bot.web.texts import survey_page_texts

router = APIRouter(tags=["surveys"])
MAX_REASON_CHARS = 2000


def _page(request: Request, gateway, language: str, state: str, status_code: int = 200, **extra) -> HTMLResponse:
    texts = survey_page_texts(gateway.settings.widget_texts_path, language)
    return templates.TemplateResponse(request, "survey.html", {"lang": language, "texts": texts, "state": state,
                                                               **extra}, status_code=status_code)


@router.get("/survey/{token}", response_class=HTMLResponse, include_in_schema=False)
def survey_form(request: Request, token: str, gateway: GatewayDep) -> HTMLResponse:
    survey = gateway.surveys.links.find(token)
    if survey is None:
        return _page(request, gateway, gateway.settings.default_language, "unknown", 404)
    return _page(request, gateway, survey.language, "answered" if survey.answered else "form",
                 order=survey.order_number)


@router.post("/survey/{token}", response_class=HTMLResponse, include_in_schema=False)
async def survey_answer(request: Request, token: str, gateway: GatewayDep, score: Annotated[str, Form()] = "",
                        reason: Annotated[str, Form()] = "", callback: Annotated[str, Form()] = "") -> HTMLResponse:
    survey = gateway.surveys.links.find(token)
    if survey is None:
        return _page(request, gateway, gateway.settings.default_language, "unknown", 404)
    if not score.isdigit() or not 0 <= int(score) <= 10 or len(reason) > MAX_REASON_CHARS:
        return _page(request, gateway, survey.language, "form", 422, order=survey.order_number, invalid=True,
                     reason=reason[:MAX_REASON_CHARS])
    stored = await gateway.surveys.links.answer(token, int(score), reason.strip(), callback == "yes")
    return _page(request, gateway, survey.language, "thanks" if stored else "answered")
