"""Proactive delivery-delay notices: the shop writes first when an order is late (docs/delay-notices.md)."""
