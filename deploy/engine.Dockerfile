# syntax=docker/dockerfile:1
# Koliber's engine image: Rasa 3.6 on Python 3.10 with requirements/engine.lock (as `make setup`
# builds .venv/engine), Koliber's engine plugins and the trained model, which `make train` writes
# first. Build context: the repository root (deploy/compose.yaml builds it).
FROM python:3.10-slim

# Quiet, offline Rasa: the environment bot/processes.py (ENGINE_ENV) gives every engine.
ENV RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements/engine.lock requirements/engine.lock
RUN pip install --requirement requirements/engine.lock

COPY engine_plugins engine_plugins
# The language detector the engine's NLU component loads (engine_plugins/language.py).
COPY text text
# The turn id and the JSON log lines the engine shares with the other processes (contracts/log_lines.py).
COPY contracts contracts
COPY credentials.yml ./
# The model the tests ran against, not one trained again here.
COPY models/koliber.tar.gz models/

RUN useradd --create-home --uid 10001 koliber
USER koliber
