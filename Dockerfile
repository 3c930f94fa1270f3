# syntax=docker/dockerfile:1
# One image per service, all built from this file at the repository root:
#   docker build --build-arg SERVICE=intake -t reverse-mentoring/intake:0.1.0 .
# SERVICE is intake, matching, notifications or feedback; the image holds shared/ and that service's folder only.
# Runs `python -m services.<SERVICE> api` (gunicorn on :8000) or `... worker` (Kafka consumer, metrics on :9100):
# an exec-form ENTRYPOINT cannot expand SERVICE_NAME, so `python -m services` (services/__main__.py) runs
# services.$SERVICE_NAME in the same process with the same arguments.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml requirements.lock ./
# Runtime dependencies only (pyproject [project].dependencies), at the versions pinned in requirements.lock;
# the lock also pins the dev and CLI tools, which stay out of the image.
RUN python -m venv /opt/venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && /opt/venv/bin/pip install -c requirements.lock -r runtime.txt

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    METRICS_PORT=9100
RUN groupadd --system --gid 10001 mentoring \
 && useradd --system --uid 10001 --gid mentoring --no-create-home --home-dir /app --shell /usr/sbin/nologin mentoring
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY shared/ ./shared/
COPY services/__init__.py services/__main__.py ./services/
# Everything above is the same for the four images (shared layers); only what follows depends on SERVICE.
ARG SERVICE
ENV SERVICE_NAME=${SERVICE}
COPY services/${SERVICE}/ ./services/${SERVICE}/
# bytecode compiled at build time: the root filesystem is read-only at run time. Without SERVICE the COPY
# above would take every service: refuse.
RUN if [ -z "${SERVICE}" ] || [ ! -f "services/${SERVICE}/__main__.py" ]; then \
      echo "build with --build-arg SERVICE=<intake|matching|notifications|feedback>" >&2; exit 1; \
    fi \
 && python -m compileall -q shared services
USER 10001:10001
EXPOSE 8000 9100
ENTRYPOINT ["python", "-m", "services"]
CMD ["api"]
