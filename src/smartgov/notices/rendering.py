"""Rendering notice wording with Django's template language. Notices are plain text (mail
bodies, SMS, in-app text that pages escape when they show it), so this engine does not
HTML-escape; it has no loaders, so a tenant's template can include no file."""

from __future__ import annotations

import functools
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation

from smartgov.notices.events import Wording


@functools.cache
def _engine() -> Engine:
    return Engine(autoescape=False, loaders=[], string_if_invalid="")


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    # Keyed by the template's text alone: a compiled template holds no context or tenant data (as
    # with Django's cached loader, it is rendered many times), and an edited wording is a new key.
    # Every notice rendered three of them, parsing each anew.
    return _engine().from_string(source)


def _render(source: str, context: dict[str, Any]) -> str:
    return _compiled(source).render(Context(context, autoescape=False)).strip()


def render_text(source: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return _render(source, context)


def render(wording: Wording, context: dict[str, Any], language: str) -> Wording:
    with translation.override(language):
        return Wording(
            subject=" ".join(_render(wording.subject, context).split())[:200],
            body=_render(wording.body, context),
            sms=" ".join(_render(wording.sms, context).split())[:500],
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
