"""Entry point for ``celery -A tasks.worker worker|beat``."""

from workflow import create_app

app = create_app()
celery = app.extensions["celery"]
