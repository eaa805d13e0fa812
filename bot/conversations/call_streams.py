"""Single-use tokens that tie a call's Media Stream to the signed Twilio request that asked for it.

Twilio signs the stream's WebSocket handshake over a URL that is the same for every call, so a
captured signature would open any stream, and the stream's own parameters are whatever the
connecting side says. The TwiML we return for a signed request carries a fresh token instead;
the stream is accepted once, for that call only, and its caller, language and survey are read
from here.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.models.conversation import CallStream
from db.sessions import unit_of_work

# Twilio opens the stream as soon as it reads the TwiML; minutes are plenty.
TOKEN_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class StreamBinding:
    call_sid: str
    caller: str | None
    language: str
    survey_call_id: int | None
    caller_attested: bool = False  # the phone network vouched for the caller's number (STIR/SHAKEN "A")

    def parameters(self) -> dict[str, str]:
        """What the call's handler is told about the call."""
        parameters = {"language": self.language, "caller": self.caller or ""}
        if self.survey_call_id is not None:
            parameters["survey_call"] = str(self.survey_call_id)
        return parameters


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CallStreamTokens:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def issue(self, call_sid: str, caller: str | None, language: str, survey_call_id: int | None = None,
              caller_attested: bool = False) -> str:
        token = secrets.token_urlsafe(32)
        with unit_of_work(self._sessions) as session:
            session.add(CallStream(token_hash=_digest(token), call_sid=call_sid, caller=caller or None,
                                   language=language, survey_call_id=survey_call_id,
                                   caller_attested=bool(caller) and caller_attested,
                                   expires_at=self._clock() + TOKEN_LIFETIME))
        return token

    def redeem(self, token: str, call_sid: str) -> StreamBinding | None:
        """The call the token was issued for, once; None for an unknown, used, expired or other call's token."""
        if not token:
            return None
        now = self._clock()
        with unit_of_work(self._sessions) as session:
            # One conditional UPDATE: of two sockets presenting the same token, one wins.
            claimed = session.execute(
                update(CallStream).where(CallStream.token_hash == _digest(token), CallStream.call_sid == call_sid,
                                         CallStream.used_at.is_(None), CallStream.expires_at > now)
                .values(used_at=now)).rowcount
            if claimed != 1:
                return None
            stream = session.scalar(select(CallStream).where(CallStream.token_hash == _digest(token)))
            return StreamBinding(stream.call_sid, stream.caller, stream.language, stream.survey_call_id,
                                 stream.caller_attested)
