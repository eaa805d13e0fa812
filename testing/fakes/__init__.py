"""Local stand-ins for what Koliber talks to over the network: the engine, Twilio's cloud, Meta's Graph API,
a customer's phone."""
