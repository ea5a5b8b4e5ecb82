# The agent in a container: one-shot or scheduled runs (`docker run IMAGE https://portal/login`)
# and the Prometheus exporter (`docker run -p 127.0.0.1:9471:9471 IMAGE serve --config FILE --listen 0.0.0.0:9471`).
# Chromium comes from Debian through the same script CI runs on its host; nothing else is
# downloaded at build time but Debian and PyPI packages.
# The base: any Debian bookworm image with Python 3.11 and pip (CI builds one with mmdebstrap
# and passes --build-arg BASE_IMAGE=...). Declared before FROM, so FROM can read it.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
ARG BASE_IMAGE

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="diagnose" \
      org.opencontainers.image.description="Finds out why logging in to a web portal fails: DNS, network, proxy, TLS, clock, HTTP, browser, SSO and account causes, ranked; Prometheus exporter included." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"

# `container` tells the agent it runs in one (Kubernetes leaves no /.dockerenv): Chromium's own
# sandbox needs user namespaces that container runtimes refuse, so the container is its sandbox.
ENV container=oci \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

COPY scripts/install-system-deps.sh /usr/local/lib/diagnose/install-system-deps.sh
RUN bash /usr/local/lib/diagnose/install-system-deps.sh --runtime --clean

WORKDIR /usr/src/diagnose
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY probes ./probes
COPY reports ./reports
COPY demo ./demo
# Playwright's driver is compiled once here and kept in the user's cache (NODE_COMPILE_CACHE),
# so a container's first run does not compile it again.
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin diagnose \
    && XDG_CACHE_HOME=/home/diagnose/.cache python -m probes.web.driver \
    && test -n "$(ls -A /home/diagnose/.cache/diagnose/node-compile-cache)" \
    && chown -R diagnose:diagnose /home/diagnose/.cache \
    && rm -rf /usr/src/diagnose

USER 10001:10001
WORKDIR /home/diagnose

EXPOSE 9471
# Healthy when a one-shot run; for `serve`, when /-/healthy answers on the configured port.
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s --retries=3 \
    CMD ["python", "-m", "agent.exporter.healthcheck"]

ENTRYPOINT ["diagnose"]
CMD ["--help"]
