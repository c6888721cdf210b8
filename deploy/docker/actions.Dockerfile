# syntax=docker/dockerfile:1
# The action server image: rasa-sdk 3.6.2 with actions/ and the `bot` package (the `trialbot` command), from
# requirements/actions.lock, the same pins as .venv/actions. It also runs the catalogue load (`trialbot trials load`)
# and the retention purge (`trialbot conversations purge`), which need the same code and no Rasa.
# The server is stateless: every request carries the tracker, so any replica can answer any call.
# Build from the repository root: docker build -f deploy/docker/actions.Dockerfile -t trialbot-actions .
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/actions \
 && /opt/actions/bin/python -m pip install "pip<24.1" "setuptools<70" wheel
COPY requirements/actions.lock /tmp/actions.lock
RUN /opt/actions/bin/python -m pip install -r /tmp/actions.lock

FROM ${PYTHON_IMAGE}
# rasa-sdk binds to SANIC_HOST: all interfaces inside the container, reachable only on the private network.
ENV PATH=/opt/actions/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    SANIC_HOST=0.0.0.0 \
    HOME=/tmp
RUN groupadd --system --gid 10001 trialbot \
 && useradd --system --uid 10001 --gid trialbot --home-dir /tmp --no-create-home trialbot
COPY --from=deps /opt/actions /opt/actions
WORKDIR /app
COPY pyproject.toml ./
COPY bot/ bot/
COPY actions/ actions/
COPY trials/ trials/
# Editable, as scripts/setup.sh does: bot finds trials/ beside itself, so the paths are those of a checkout.
RUN /opt/actions/bin/python -m pip install --no-deps --no-build-isolation -e . \
 && trialbot --help >/dev/null
USER 10001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
CMD ["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]
