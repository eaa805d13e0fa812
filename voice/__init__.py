"""The voice pipeline: Twilio Media Streams in and out, speech recognition, speech synthesis.

A library: nothing here imports FastAPI, Rasa or the database. The gateway hands a call a
callable that answers one caller turn.
"""
