# One image for every Arcadia service and the cloud simulator; the compose file picks the module.
FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 UV_PYTHON_DOWNLOADS=never
# uv, pinned: the same version as the Makefile's UV_VERSION (tests/test_compose.py checks it).
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first, in a layer of their own: it is rebuilt only when the lock file or a
# member's pyproject.toml changes, not on every source edit. uv needs every workspace member's
# pyproject.toml (not its sources) to install the third-party packages alone.
COPY pyproject.toml uv.lock ./
COPY libs/contracts/pyproject.toml libs/contracts/
COPY libs/platform/pyproject.toml libs/platform/
COPY libs/testing/pyproject.toml libs/testing/
COPY services/api/pyproject.toml services/api/
COPY services/billing/pyproject.toml services/billing/
COPY services/provisioner/pyproject.toml services/provisioner/
COPY services/inventory/pyproject.toml services/inventory/
COPY tools/cloudsim/pyproject.toml tools/cloudsim/
COPY tools/ops/pyproject.toml tools/ops/
RUN uv sync --frozen --no-dev --no-install-workspace
# Then the sources, and the workspace's own packages on top of the installed dependencies.
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
