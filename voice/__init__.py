"""The voice pipeline, built on Pipecat: Twilio Media Streams in and out, turn-taking, speech
recognition, speech synthesis.

A library: nothing here imports Rasa, the database or the gateway. The gateway accepts the
Media Streams WebSocket and hands the call a handler that answers one caller turn.
"""
