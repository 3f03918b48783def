# The service's image: the API (default command, gunicorn) and, with another command, the scheduler
# (`python -m server.scheduler`) and the migration step (`flask --app server.wsgi db upgrade`).
# compose.yaml runs all three from this one image; see README.md, "Production".
#
# Build from China: pass the mirrors a Shenzhen server reaches, e.g.
#   docker build --build-arg APT_MIRROR=<debian mirror host> \
#                --build-arg PIP_INDEX_URL=https://<pypi mirror>/simple -t volunteer-service .
# Only requirements.txt is installed: test and benchmark tools (requirements-dev.txt) stay out.

ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# --- build: a virtualenv with the pinned requirements (all published as wheels) ----------------------
FROM ${PYTHON_IMAGE} AS build
ARG PIP_INDEX_URL=
ARG PIP_TRUSTED_HOST=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --only-binary=:all: \
        ${PIP_INDEX_URL:+--index-url "$PIP_INDEX_URL"} \
        ${PIP_TRUSTED_HOST:+--trusted-host "$PIP_TRUSTED_HOST"} \
        -r /tmp/requirements.txt

# --- runtime ----------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
# Debian mirror host replacing deb.debian.org (and its security suite) for apt.
ARG APT_MIRROR=deb.debian.org
RUN sed -i "s|deb.debian.org|${APT_MIRROR}|g" /etc/apt/sources.list.d/debian.sources \
    && apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

# The virtualenv only: no compiler, no pip cache, no build stage's leftovers.
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=server.wsgi \
    APP_ENV=production

# The code belongs to root and is only read by the service's own unprivileged user.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY server/ /app/server/
RUN python -m compileall -q /app/server

USER 10001:10001
EXPOSE 8000
# tini reaps children and forwards SIGTERM, so gunicorn and the scheduler stop cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
# Settings (workers, threads, timeouts, bind address) from the environment: server/gunicorn_conf.py.
CMD ["gunicorn", "-c", "python:server.gunicorn_conf", "server.wsgi:app"]
