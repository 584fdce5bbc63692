"""Pages of the notices app, mounted under /<tenant>/ (see config/urls.py)."""


urlpatterns: list = []
