"""Rendering notice wording with Django's template language. Notices are plain text (mail
bodies, SMS, in-app text that pages escape when they show it), so this engine does not
HTML-escape; it has no loaders, so a tenant's template can include no file."""

from __future__ import annotations

import functools
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation

from smartgov.notices.events import Wording


@functools.cache
def _engine() -> Engine:
    return Engine(autoescape=False, loaders=[], string_if_invalid="")


def render_text(source: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return _engine().from_string(source).render(Context(context, autoescape=False)).strip()


def render(wording: Wording, context: dict[str, Any], language: str) -> Wording:
    return Wording(
        subject=" ".join(render_text(wording.subject, context, language).split())[:200],
        body=render_text(wording.body, context, language),
        sms=" ".join(render_text(wording.sms, context, language).split())[:500],
    )


def problems(wording: Wording) -> dict[str, str]:
    """Which parts do not compile, and why (empty: all good)."""
    found = {}
    for part in ("subject", "body", "sms"):
        try:
            _engine().from_string(getattr(wording, part))
        except TemplateSyntaxError as exc:
            found[part] = str(exc)
    return found
