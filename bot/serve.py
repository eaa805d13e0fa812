"""Runs the gateway under uvicorn with the server-side limits Koliber relies on: WebSocket frames
over the size limit are refused before they are read whole, and client addresses behind a
trusted proxy come from X-Forwarded-For. `koliber run` starts the gateway this way."""

import argparse
from typing import Any

import uvicorn

from bot.settings import Settings, get_settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {"ws_max_size": settings.websocket_max_bytes, "proxy_headers": True,
            "forwarded_allow_ips": settings.trusted_proxies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=get_settings().gateway_port)
    args = parser.parse_args()
    uvicorn.run("bot.main:app", host=args.host, port=args.port, **uvicorn_options(get_settings()))


if __name__ == "__main__":
    main()
