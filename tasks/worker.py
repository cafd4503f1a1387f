"""Entry point for ``celery -A tasks.worker worker|beat`` (Celery finds ``celery`` here)."""

from workflow import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
