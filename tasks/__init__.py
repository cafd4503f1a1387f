"""Celery tasks: thin wrappers that call services with ids."""
