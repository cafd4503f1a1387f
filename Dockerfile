# TĐKT Workflow — one image for every role: web (gunicorn), worker and beat (celery), migrate (tdkt).
# docker-compose.yml picks the role with `command:`; migrations run only in the one-shot
# `migrate` service, never when a web or worker container starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TDKT_ENV=production

# A fixed uid/gid so that volume ownership stays the same across rebuilds.
RUN groupadd --system --gid 10001 tdkt \
 && useradd --system --uid 10001 --gid tdkt --home-dir /app --no-create-home --shell /usr/sbin/nologin tdkt

WORKDIR /app

# The source stays root-owned (the app user cannot modify its own code).
COPY . /app

# The dependencies from the lock (requirements/main.txt: exact versions, hashes checked), then
# `pip install .` without resolving again brings the package and the `tdkt` console script.
# PYTHONPATH=/app then makes
# every entry point (gunicorn, celery, tdkt) import the package from this tree, exactly as in a
# checkout, so that the top-level templates/ folder is found next to workflow/ and Flask's
# instance folder is /app/instance (the `attachments` volume in docker-compose.yml). The message
# catalogues are therefore compiled here too, in this tree (pybabel comes with Flask-Babel).
RUN pip install --require-hashes -r requirements/main.txt && pip install . --no-deps \
 && rm -rf build ./*.egg-info \
 && if find workflow/translations -name '*.po' 2>/dev/null | grep -q .; then \
      pybabel compile -d workflow/translations; \
    fi \
 && mkdir -p /app/instance \
 && chown tdkt:tdkt /app/instance
ENV PYTHONPATH=/app

USER tdkt

EXPOSE 8000

# slim has no curl: ask the app's health endpoint with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Web by default. No migration here: `tdkt db upgrade` is the compose `migrate` service's job.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--timeout", "60", \
     "--access-logfile", "-", "workflow:create_app()"]
