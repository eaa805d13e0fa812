"""The demo shop's front page at `/`, embedding the chat widget with one script tag."""

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.deps import SettingsDep
from bot.page_texts import shop_page_texts
from bot.settings import PROJECT_ROOT

router = APIRouter(tags=["demo shop"])
templates = Jinja2Templates(directory=PROJECT_ROOT / "bot" / "web" / "templates")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def shop_page(request: Request, settings: SettingsDep, lang: str = Query("pl", pattern="^(pl|en)$")) -> HTMLResponse:
    other = "en" if lang == "pl" else "pl"
    return templates.TemplateResponse(request, "shop.html", {
        "lang": lang,
        "texts": shop_page_texts(settings.widget_texts_path, lang),
        "other_lang_url": f"/?lang={other}",
        "widget_src": "/chat/widget.js",
    })
