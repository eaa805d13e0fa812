"""Webhooks from the shop's platform: WooCommerce's `order.updated` and Shopify's `orders/updated`
tell Koliber an order changed, so the next question about it is answered from the platform, not
from the cached copy. The adapter checks the platform's signature over the raw body; nothing is
read from a webhook but which order changed."""

import asyncio

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse

from bot.deps import ShopDep, raw_body
from shop.platforms.service import ForgedWebhook, PlatformShopService

router = APIRouter(prefix="/webhooks/shop", tags=["shop platform"])
# A platform's order JSON is a few kilobytes; an order with hundreds of lines stays well below this.
MAX_WEBHOOK_BYTES = 2 * 1024 * 1024


@router.post("/{platform}", responses={400: {}, 401: {}, 404: {}, 413: {}})
async def order_changed(platform: str, request: Request, shop: ShopDep) -> JSONResponse:
    if not isinstance(shop, PlatformShopService) or shop.platform.name != platform:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"this gateway does not take {platform} webhooks")
    body = await raw_body(request, MAX_WEBHOOK_BYTES)
    try:
        changed = await asyncio.to_thread(shop.take_webhook, body, request.headers)
    except ForgedWebhook as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error) or "the webhook's signature is wrong") from None
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ValueError as error:  # signed, but not an order (bad JSON, no number)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"not an order webhook: {error}") from None
    return JSONResponse({"changed": changed})
