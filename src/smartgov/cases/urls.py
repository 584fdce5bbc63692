"""Pages of the cases app, mounted under /<tenant>/ (see config/urls.py)."""


urlpatterns: list = []
