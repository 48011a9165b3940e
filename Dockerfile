# vpsbot container image.
#
#   docker build -t vpsbot .
#   docker run --env-file .env -p 3000:3000 -p 9464:9464 -v vpsbot-data:/data vpsbot   # vpsbot run
#   docker run --env-file .env vpsbot check                                              # any subcommand
#
# The working directory /data is where the relative defaults land: the SQLite state
# (BOT_STATE_URL=sqlite:///vpsbot.db) and the policy file (BOT_POLICY_FILE=policy.yml).
# Mount a volume there to keep the audit log and pending confirmations across restarts.
# deploy/compose/ and deploy/kubernetes/ run several replicas on PostgreSQL instead.
#
# Reproducible: the base image is pinned by digest and every dependency by version and hash
# (requirements.lock, generated from pyproject.toml; see its first lines to regenerate it).
# To move to a newer Python 3.11 image (security fixes), look up its current digest and put it
# in both FROM lines:
#   docker pull python:3.11-slim-bookworm
#   docker inspect --format '{{index .RepoDigests 0}}' python:3.11-slim-bookworm

# --- builder: the locked dependencies, then the project itself, into a venv ---
FROM python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84 AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# The lock first, so a code change does not reinstall the dependencies.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
# Only what the build needs, so unrelated edits don't bust the install layer.
COPY pyproject.toml README.md ./
COPY bot/ ./bot/
# The Slack emulator and the VPS.org simulator: sibling packages (`vpsbot console`, `--simulator`).
COPY slackemu/ ./slackemu/
COPY vpssim/ ./vpssim/
# --no-deps: everything it needs is already installed, exactly as locked. (pip builds the
# project with its build backend, hatchling, in a throwaway environment: it packs our files and
# leaves nothing in the image.)
RUN pip install --no-cache-dir --no-deps .

# --- runtime: the venv and a non-root user, nothing else ---
FROM python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84

LABEL org.opencontainers.image.title="vpsbot" \
      org.opencontainers.image.description="A Slack chat-ops bot for the VPS.org servers API" \
      org.opencontainers.image.licenses="MIT"

# A fixed uid/gid so volume ownership is predictable; -l avoids a huge lastlog for a high uid.
RUN groupadd --system --gid 10001 vpsbot \
    && useradd --system --no-log-init --uid 10001 --gid vpsbot --home-dir /data --shell /usr/sbin/nologin vpsbot \
    && mkdir /data \
    && chown vpsbot:vpsbot /data

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /data
USER 10001:10001

# HTTP mode listens on 3000 (/healthz and /readyz in Socket Mode too); /metrics on 9464.
EXPOSE 3000 9464

# urlopen raises (exit 1) on a refused connection, a timeout or a non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]

ENTRYPOINT ["vpsbot"]
CMD ["run"]
