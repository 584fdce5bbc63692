"""Pages of the tax app, mounted under /<tenant>/ (see config/urls.py)."""


urlpatterns: list = []
