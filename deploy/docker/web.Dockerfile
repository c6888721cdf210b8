# syntax=docker/dockerfile:1
# The demo page with the chat widget: web/dist built as scripts/web_setup.sh builds it (npm ci from the lock file,
# then web/build.mjs), served by web/serve.py (standard library only, strict Content-Security-Policy).
# TRIALBOT_PUBLIC_URL is the address the browser uses for Rasa (the load balancer or the Ingress), which goes
# into the page's config and its connect-src.
# Build from the repository root: docker build -f deploy/docker/web.Dockerfile -t trialbot-web .
ARG NODE_IMAGE=node:20.18-bookworm-slim
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${NODE_IMAGE} AS widget
WORKDIR /web
COPY web/package.json web/package-lock.json web/build.mjs ./
COPY web/src/ src/
RUN npm ci --no-audit --no-fund --loglevel=error && node build.mjs

FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 trialbot \
 && useradd --system --uid 10001 --gid trialbot --home-dir /tmp --no-create-home trialbot
WORKDIR /app
COPY web/serve.py web/serve.py
COPY --from=widget /web/dist web/dist
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/', timeout=4)"]
CMD ["sh", "-c", "exec python web/serve.py --bind 0.0.0.0 --port 8080 --server \"${TRIALBOT_PUBLIC_URL:?set TRIALBOT_PUBLIC_URL}\""]
