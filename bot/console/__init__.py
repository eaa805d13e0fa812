"""The agents' console: log-in, the live queue and the ticket page."""
