"""The shop: its data model, policy, calendar and rules, the service the actions and the console read
it through, and the verification guard."""
