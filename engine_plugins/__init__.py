"""Code the Rasa engine loads (Python 3.10, .venv/engine); the app never imports it."""
