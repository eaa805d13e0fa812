"""The database: the declarative base every model shares, engines, sessions and units of work."""
