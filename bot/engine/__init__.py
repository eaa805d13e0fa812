"""The gateway's view of the Rasa engine, reached over HTTP only."""
