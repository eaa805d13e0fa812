"""The voice pipeline: Twilio Media Streams, speech recognition and speech synthesis (issue 4)."""
