# syntax=docker/dockerfile:1
# Multi-stage build: front-end assets from the npm registry, then the Python app served by gunicorn.
# Keep in step with the Makefile (tests/test_packaging.py checks Python version, requirements file and port).
ARG PYTHON_VERSION=3.11

# --- stage 1: front-end packages (Leaflet, NHS.UK frontend, plugins) from the npm registry ---------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- stage 2: the app ----------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PORT=5000
# Production: every geo-service command in the image refuses to start without a strong GEO_SECRET_KEY (and a
# strong GEO_ADMIN_TOKEN when one is set). No secret is baked in: pass them at run time (docker-compose.yml).
ENV GEO_PRODUCTION=1
RUN useradd --system --create-home --home-dir /app geo
WORKDIR /app
# Runtime dependencies only (requirements.txt = pyproject's [project] dependencies): no test tools in the image.
COPY requirements.txt pyproject.toml setup.py ./
RUN pip install --no-cache-dir -r requirements.txt
COPY geo_service ./geo_service
COPY templates ./templates
COPY static ./static
COPY scripts ./scripts
COPY vendor-assets.json ./
COPY --from=assets /src/node_modules ./node_modules
RUN python scripts/vendor_assets.py && rm -rf node_modules
# The package carries templates/ and static/ (vendored assets included; setup.py), so it runs from site-packages.
RUN pip install --no-cache-dir --no-deps . && rm -rf build
USER geo
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '5000'))"
# DATABASE_URL must point at a PostGIS database; GEO_SECRET_KEY and GEO_PUBLIC_URL must be set (docker-compose.yml).
# gunicorn listens on the container network only: publish it through the reverse proxy (deploy/nginx.conf).
CMD ["sh", "-c", "geo-service migrate && geo-service demo --if-empty && exec geo-service serve --prod --host 0.0.0.0 --port ${PORT}"]
