# syntax=docker/dockerfile:1
# The Rasa server image: rasa 3.6.21 from requirements/rasa.lock (Python 3.10, as Rasa 3.6 requires), our input
# channels, tracker store and dialogue policy, and a model trained while the image is built, so every replica
# serves the same model.
# Build from the repository root: docker build -f deploy/docker/rasa.Dockerfile -t trialbot-rasa .
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/rasa \
 && /opt/rasa/bin/python -m pip install "pip<24.1" "setuptools<70" wheel
COPY requirements/rasa.lock /tmp/rasa.lock
RUN /opt/rasa/bin/python -m pip install -r /tmp/rasa.lock

FROM deps AS train
ENV RASA_TELEMETRY_ENABLED=false
WORKDIR /build
COPY config.yml domain.yml ./
COPY data/ data/
COPY policies/ policies/
RUN /opt/rasa/bin/rasa train --fixed-model-name trialbot --out models --quiet

FROM ${PYTHON_IMAGE}
# One Sanic worker per replica: the socket.io channel keeps its sessions in the worker's memory. Scale with replicas.
ENV PATH=/opt/rasa/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    SANIC_WORKERS=1 \
    HOME=/tmp
RUN groupadd --system --gid 10001 trialbot \
 && useradd --system --uid 10001 --gid trialbot --home-dir /tmp --no-create-home trialbot
COPY --from=deps /opt/rasa /opt/rasa
WORKDIR /app
COPY bot/ bot/
COPY channels/ channels/
COPY stores/ stores/
COPY policies/ policies/
COPY domain.yml credentials.yml ./
COPY deploy/endpoints.prod.yml deploy/endpoints.prod.yml
COPY deploy/docker/rasa-entrypoint.sh /usr/local/bin/rasa-entrypoint
COPY --from=train /build/models/trialbot.tar.gz models/trialbot.tar.gz
USER 10001
EXPOSE 5005
# "/" answers once the model is loaded; it is the only route besides the channels (the HTTP API is off).
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]
ENTRYPOINT ["/usr/local/bin/rasa-entrypoint"]
