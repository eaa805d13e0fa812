"""The wire formats the action server and the gateway agree on: the handoff signal, a survey's result."""
