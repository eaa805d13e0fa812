"""The shop's own platform behind ShopService: WooCommerce, Shopify or BaseLinker (docs/shop-platforms.md)."""

import importlib

from shop.platforms.service import Platform
from shop.settings import ShopSettings

PLATFORMS = ("woocommerce", "shopify", "baselinker")


def connect_platform(settings: ShopSettings) -> Platform:
    """The adapter KOLIBER_SHOP names, configured from its settings (each module's `from_settings`)."""
    if settings.shop_platform not in PLATFORMS:
        raise ValueError(f"KOLIBER_SHOP={settings.shop_platform} is no shop platform")
    return importlib.import_module(f"shop.platforms.{settings.shop_platform}").from_settings(settings)
