"""The user's language is remembered: in a year-long cookie for everyone, and on the account for
people who sign in, so it follows them to another browser or device."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def set_language(request: HttpRequest) -> HttpResponse:
    response = django_set_language(request)
    chosen = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if chosen in SUPPORTED and user is not None and user.is_authenticated and user.language != chosen:
        user.language = chosen
        user.save(update_fields=["language"])
    return response


class AccountLanguageMiddleware:
    """A signed-in person without a language cookie gets the language saved on their account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if saved in SUPPORTED and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(saved)
            request.LANGUAGE_CODE = saved
            response = self.get_response(request)
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, saved, max_age=settings.LANGUAGE_COOKIE_AGE,
                                samesite="Lax")
            return response
        return self.get_response(request)
