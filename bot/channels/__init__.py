"""Channel adapters: wire formats in, one neutral inbound message out; replies back out."""
