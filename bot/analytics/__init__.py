"""The supervisor dashboard's numbers: rows read from the database (query), metrics defined once as
pure functions (definitions), the page's report and CSV (dashboard), and the seeded demo history."""
