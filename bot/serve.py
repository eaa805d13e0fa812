"""Runs the gateway under uvicorn with the server-side limits Koliber relies on: WebSocket frames
over the size limit are refused before they are read whole, and client addresses behind a
trusted proxy come from X-Forwarded-For. `koliber run` starts the gateway this way."""

import argparse
import sys
from typing import Any

import uvicorn

from bot.persistence.schema import SchemaMismatch, require_current_schema_at
from bot.settings import Settings, get_settings
from contracts.log_lines import LogOptions, configure_logging
from contracts.tracing import start_tracing


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {"ws_max_size": settings.websocket_max_bytes, "proxy_headers": True,
            "forwarded_allow_ips": settings.trusted_proxies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=get_settings().gateway_port)
    args = parser.parse_args()
    settings = get_settings()
    try:  # the same check the app makes at start-up, said in one line instead of a traceback
        require_current_schema_at(settings.database_url)
    except SchemaMismatch as mismatch:
        sys.exit(f"error: {mismatch}")
    configure_logging("gateway", LogOptions(settings.log_format == "json", settings.log_mask_personal_data))
    start_tracing("koliber-gateway", settings.otlp_endpoint, settings.otlp_protocol)
    # log_config=None: uvicorn's own loggers write Koliber's log lines too.
    uvicorn.run("bot.main:app", host=args.host, port=args.port, log_config=None, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
