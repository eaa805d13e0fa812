"""Custom actions of the Koliber assistant, served by rasa-sdk (`python -m rasa_sdk --actions actions`)."""
