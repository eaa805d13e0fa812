"""Cross-site request forgery and WebSocket hijacking: console requests that change something, and
the console socket, must come from the console's own pages (their Origin, failing that their Referer)."""

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, WebSocket, WebSocketException, status
from starlette.requests import HTTPConnection

from bot.deps import SettingsDep
from bot.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}
SOCKET_SCHEMES = {"ws": "http", "wss": "https"}


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-case and without a default port; None when it has none
    (an opaque "null" Origin included)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else "")


def own_origin(connection: HTTPConnection, settings: Settings) -> str | None:
    # Behind a proxy the request's own URL may not be what browsers see: KOLIBER_PUBLIC_URL says.
    public = settings.public_base_url
    if public:
        return origin_of(public)
    scheme = SOCKET_SCHEMES.get(connection.url.scheme, connection.url.scheme)
    return origin_of(f"{scheme}://{connection.url.netloc}")


def claimed_origin(connection: HTTPConnection) -> str | None:
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin_of(origin)
    referer = connection.headers.get("referer")
    return origin_of(referer) if referer else None


async def same_origin(connection: HTTPConnection, settings: SettingsDep) -> None:
    """Lets safe requests through; refuses a change or a socket from anywhere but the console itself."""
    socket = isinstance(connection, WebSocket)
    if not socket and connection.scope["method"] in SAFE_METHODS:
        return
    claimed, expected = claimed_origin(connection), own_origin(connection, settings)
    if claimed is not None and claimed == expected:
        return
    if socket:  # refused at the handshake: a foreign page never gets a console socket
        raise WebSocketException(4403, "cross-site console socket refused")
    raise HTTPException(status.HTTP_403_FORBIDDEN,
                        f"cross-site request refused: the console accepts changes only from its own pages "
                        f"({expected}), and this request came from {claimed or 'an unknown origin'}")


def console_router(prefix: str, tags: list[str]) -> APIRouter:
    """A router for console routes: all of its state-changing requests and sockets check their origin."""
    return APIRouter(prefix=prefix, tags=tags, dependencies=[Depends(same_origin)])
