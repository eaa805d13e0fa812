"""Starts the action server (`python -m rasa_sdk`) with Koliber's log lines from its first line on.

rasa-sdk logs the actions it registers before it calls the plugin hook (rasa_sdk_plugins/), and
installs coloured console logging first: here Koliber's JSON lines (contracts/log_lines.py) take
the place of that console logging before rasa-sdk starts. Usage: the same arguments as
`python -m rasa_sdk`, with KOLIBER_ACTIONS_TOKEN set (the plugin checks it).
"""

import logging
import os
import sys

from contracts.log_lines import LogOptions, configure_logging

SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")


def main() -> None:
    try:
        log_options = LogOptions.from_env(os.environ)
    except ValueError as wrong:
        sys.exit(str(wrong))
    configure_logging("actions", log_options, os.environ.get("LOG_LEVEL", "INFO"))
    import rasa_sdk.utils
    from rasa_sdk.__main__ import main as rasa_sdk_main

    # rasa-sdk calls these once it has parsed its arguments, and has no hook for another format.
    rasa_sdk.utils.configure_colored_logging = lambda level: configure_logging("actions", log_options, level)
    rasa_sdk.utils.update_sanic_log_level = _sanic_logs_in_log_lines(rasa_sdk.utils.update_sanic_log_level)

    sys.argv = ["rasa_sdk", *sys.argv[1:]]
    rasa_sdk_main()


def _sanic_logs_in_log_lines(update_sanic_log_level):
    """rasa-sdk's own level for Sanic's loggers, but their records reach Koliber's handler: rasa-sdk
    stops them propagating, which would leave them to Python's plain last-resort handler."""

    def update() -> None:
        update_sanic_log_level()
        for name in SANIC_LOGGERS:
            logging.getLogger(name).propagate = True

    return update


if __name__ == "__main__":
    main()
