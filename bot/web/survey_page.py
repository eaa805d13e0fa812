"""The survey page an SMS link opens (after every call reached voicemail): 0-10 and why."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from bot.deps import SettingsDep, SurveysDep
from bot.page_texts import survey_page_texts
from bot.settings import Settings
from bot.web.pages import templates

router = APIRouter(tags=["surveys"])
MAX_REASON_CHARS = 2000


def _page(request: Request, settings: Settings, language: str, state: str, status_code: int = 200, **extra) -> HTMLResponse:
    texts = survey_page_texts(settings.widget_texts_path, language)
    return templates.TemplateResponse(request, "survey.html", {"lang": language, "texts": texts, "state": state,
                                                               **extra}, status_code=status_code)


@router.get("/survey/{token}", response_class=HTMLResponse, include_in_schema=False)
async def survey_form(request: Request, token: str, settings: SettingsDep, surveys: SurveysDep) -> HTMLResponse:
    survey = await asyncio.to_thread(surveys.links.find, token)
    if survey is None:
        return _page(request, settings, settings.default_language, "unknown", 404)
    return _page(request, settings, survey.language, "answered" if survey.answered else "form",
                 order=survey.order_number)


@router.post("/survey/{token}", response_class=HTMLResponse, include_in_schema=False)
async def survey_answer(request: Request, token: str, settings: SettingsDep, surveys: SurveysDep, score: Annotated[str, Form()] = "",
                        reason: Annotated[str, Form()] = "", callback: Annotated[str, Form()] = "") -> HTMLResponse:
    survey = await asyncio.to_thread(surveys.links.find, token)
    if survey is None:
        return _page(request, settings, settings.default_language, "unknown", 404)
    if not score.isdigit() or not 0 <= int(score) <= 10 or len(reason) > MAX_REASON_CHARS:
        return _page(request, settings, survey.language, "form", 422, order=survey.order_number, invalid=True,
                     reason=reason[:MAX_REASON_CHARS])
    stored = await surveys.links.answer(token, int(score), reason.strip(), callback == "yes")
    return _page(request, settings, survey.language, "thanks" if stored else "answered")
