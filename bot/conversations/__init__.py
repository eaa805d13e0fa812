"""Conversations with customers on every channel, and every message in them."""
