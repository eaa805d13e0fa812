"""Text-to-speech: the synthesizer interface, its espeak-ng provider, sentence splitting and the
Pipecat TTS service a call speaks through."""

from voice.tts.base import SpeechSynthesizer, SynthesisError, SynthesizerUnavailable

__all__ = ["SpeechSynthesizer", "SynthesisError", "SynthesizerUnavailable"]
