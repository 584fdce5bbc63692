"""Pages of the billing app, mounted under /<tenant>/ (see config/urls.py)."""

urlpatterns: list = []
