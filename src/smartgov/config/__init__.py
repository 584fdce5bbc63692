"""Project configuration. Importing Celery here makes every process (web, worker, beat) share one
Celery app configured from Django settings, so tasks queue with our broker settings."""

from smartgov.config.celery import app as celery_app

__all__ = ["celery_app"]
