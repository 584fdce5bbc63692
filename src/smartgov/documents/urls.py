"""Pages of the documents app, mounted under /<tenant>/ (see config/urls.py)."""


urlpatterns: list = []
