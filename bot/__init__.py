"""Koliber: the gateway, conversation core and shop data of a bilingual shop assistant."""
