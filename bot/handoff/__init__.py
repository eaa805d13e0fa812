"""Handing conversations to human agents: tickets, the queue, agents and their working hours."""
