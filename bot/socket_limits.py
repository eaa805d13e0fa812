"""Limits on the public web chat socket: open sockets per address, messages per socket per minute."""

import contextlib
from collections import Counter, deque
from collections.abc import Iterator


class SocketCounter:
    """Open sockets per client address in this gateway process."""

    def __init__(self, per_address: int) -> None:
        self._per_address = per_address
        self._open: Counter[str] = Counter()

    @contextlib.contextmanager
    def opened(self, address: str) -> Iterator[bool]:
        """Yields whether one more socket from `address` is allowed; counts it while open."""
        if self._open[address] >= self._per_address:
            yield False
            return
        self._open[address] += 1
        try:
            yield True
        finally:
            self._open[address] -= 1
            if not self._open[address]:
                del self._open[address]


class MessagePace:
    """At most `per_minute` messages in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._sent: deque[float] = deque()

    def allow(self, now: float) -> bool:
        while self._sent and now - self._sent[0] >= 60:
            self._sent.popleft()
        if len(self._sent) >= self._per_minute:
            return False
        self._sent.append(now)
        return True
