FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# pg_dump/pg_restore for `manage.py backup` and `restore` (the same major version as the db image).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 madaniya
COPY pyproject.toml README.md ./
COPY forum ./forum
COPY config ./config
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=1 python manage.py compile_catalogues \
 && DEBUG=0 SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.db REDIS_URL=redis://build \
    python manage.py collectstatic --noinput
USER madaniya
EXPOSE 8000
# Migrations run once, in the compose file's one-shot `migrate` service, never in each replica.
CMD ["python", "-m", "forum.core.server", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "config.asgi:application"]
