"""Pages of the catalogue app, mounted under /<tenant>/ (see config/urls.py)."""


urlpatterns: list = []
