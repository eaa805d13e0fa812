"""Carrier wire formats: each serializer turns one carrier's messages into frames and frames back into messages."""
