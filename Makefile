# Thin wrappers over scripts/dev.py, which needs only Python 3.11+. `make help` lists the targets.
PY ?= python3

.PHONY: help run test lint openapi
help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'
run:  ## create .venv, install, serve the hub on SQLite at http://127.0.0.1:8080
	$(PY) scripts/dev.py serve
test:  ## create .venv, install, run the whole test suite
	$(PY) scripts/dev.py test
lint:  ## ruff (lint + format check) and mypy
	$(PY) scripts/dev.py lint
openapi:  ## regenerate the committed OpenAPI document schemas/openapi.json
	$(PY) scripts/dev.py openapi
