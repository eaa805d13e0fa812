"""The demo shop: its data model, policy, calendar and the service the actions read it through."""
