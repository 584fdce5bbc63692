"""Celery: eager (in-process) in the embedded default, a Redis or RabbitMQ broker in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.config.settings")
app = Celery("smartgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
