# One image for every Arcadia service and the cloud simulator; the compose file picks the module.
FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs ./libs
COPY services ./services
COPY tools ./tools
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH"
# /var/lib/cloudsim: the simulator's state volume, writable by the service user.
RUN useradd --system --uid 10001 arcadia \
    && mkdir -p /var/lib/cloudsim && chown arcadia /var/lib/cloudsim
USER arcadia
CMD ["python", "-m", "arcadia_api"]
