"""A plain contact form at /contact (Polish and English): its message becomes an e-mail
conversation waiting for a person, who answers it by e-mail from the console. The address is
whatever the visitor typed, so it proves nobody and the assistant does not answer it."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from bot.conversations.core import InboundMessage
from bot.deps import CoreDep, SettingsDep
from bot.models.conversation import Channel
from bot.page_texts import contact_page_texts
from bot.settings import Settings
from bot.web.pages import templates
from text.cleaning import UnusableText, clean_text
from text.identifiers import normalize_email
from text.wording import fill

router = APIRouter(tags=["contact form"])
Language = Annotated[str, Query(pattern="^(pl|en)$")]


def _page(request: Request, settings: Settings, language: str, status_code: int = 200, **context) -> HTMLResponse:
    values = {"lang": language, "texts": contact_page_texts(settings.widget_texts_path, language), "ticket": None,
              "errors": [], "email": "", "subject": "", "message": "", "max_chars": settings.max_message_chars,
              **context}
    return templates.TemplateResponse(request, "contact.html", values, status_code=status_code)


@router.get("/contact", response_class=HTMLResponse, include_in_schema=False)
def contact_form(request: Request, settings: SettingsDep, lang: Language = "pl") -> HTMLResponse:
    return _page(request, settings, lang)


@router.post("/contact", response_class=HTMLResponse, include_in_schema=False)
async def contact_message(request: Request, settings: SettingsDep, core: CoreDep,
                          email: Annotated[str, Form(max_length=254)] = "",
                          subject: Annotated[str, Form(max_length=200)] = "",
                          message: Annotated[str, Form(max_length=20_000)] = "",
                          website: Annotated[str, Form(max_length=2000)] = "",
                          lang: Annotated[str, Form(pattern="^(pl|en)$")] = "pl") -> HTMLResponse:
    texts = contact_page_texts(settings.widget_texts_path, lang)
    address = normalize_email(email)
    errors = [] if address else [texts["invalid_email"]]
    try:
        text = clean_text(message, settings.max_message_chars)
    except UnusableText:
        errors.append(fill(texts["invalid_message"], lang, max=settings.max_message_chars))
    if errors:
        return _page(request, settings, lang, 422, errors=errors, email=email, subject=subject, message=message)
    if website:  # a robot filled in the field people never see: thanked, and nothing is stored
        return _page(request, settings, lang, ticket="—", reply_by="—")
    client = request.client.host if request.client else "unknown"
    left = await core.leave_for_a_person(InboundMessage(
        channel=Channel.EMAIL, text=text, address=address, language=lang, client=f"ip:{client}",
        metadata={"subject": " ".join(subject.split()) or texts["heading"]}), settings.email_messages_per_hour)
    if left is None:
        return _page(request, settings, lang, 429, errors=[texts["too_many"]], email=email, subject=subject,
                     message=message)
    return _page(request, settings, lang, ticket=left.ticket_id, reply_by=left.reply_by)
