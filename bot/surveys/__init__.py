"""Post-purchase NPS survey calls: who to call and when, the calls themselves, and the results."""
