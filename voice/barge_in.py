"""Notices the caller starting to speak: enough voiced audio in a row, by WebRTC voice activity
detection. While the bot talks, that means the caller is talking over it (barge-in)."""

import webrtcvad

FRAME_MS = 20


class SpeechOnset:
    def __init__(self, sample_rate: int, onset_ms: int = 240, aggressiveness: int = 3) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self._sample_rate = sample_rate
        self._frame_bytes = 2 * sample_rate * FRAME_MS // 1000
        self._needed = max(1, onset_ms // FRAME_MS)
        self._pending = bytearray()
        self._voiced_run = 0

    def reset(self) -> None:
        self._pending.clear()
        self._voiced_run = 0

    def push(self, pcm: bytes) -> bool:
        """True once the caller has been speaking for `onset_ms` without a break."""
        self._pending += pcm
        started = False
        while len(self._pending) >= self._frame_bytes:
            frame = bytes(self._pending[: self._frame_bytes])
            del self._pending[: self._frame_bytes]
            voiced = self._vad.is_speech(frame, self._sample_rate)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            started = started or self._voiced_run >= self._needed
        return started
