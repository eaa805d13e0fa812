"""Local stand-ins for what Koliber talks to over the network: the engine, Twilio's cloud, a customer's phone."""
