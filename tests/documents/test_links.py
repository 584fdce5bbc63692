"""Signed download links alone: they carry ids only, expire by the platform clock, and any
change to a token makes it worthless."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartgov.documents import links
from smartgov.kit import clock

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def token(ttl=300):
    with clock.frozen_at(NOW):
        return links.sign(links.make("tenant-1", "doc-1", "user", "user-7", ttl))


def test_a_link_reads_back_until_it_expires():
    signed = token()
    assert "@" not in signed  # ids only: no e-mail addresses in URLs and logs
    with clock.frozen_at(NOW + timedelta(seconds=299)):
        claims = links.read(signed)
    assert (claims.tenant_id, claims.document_id, claims.actor_type, claims.actor_id) == (
        "tenant-1", "doc-1", "user", "user-7")
    with clock.frozen_at(NOW + timedelta(seconds=300)), pytest.raises(links.ExpiredLink):
        links.read(signed)


def test_a_link_signed_for_another_purpose_is_refused():
    from django.core import signing

    other = signing.Signer(salt="something-else").sign_object(["tenant-1", "doc-1", "user", "u", 2**40])
    with pytest.raises(links.BadLink):
        links.read(other)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_change_to_a_token_is_refused(data):
    signed = token()
    position = data.draw(st.integers(0, len(signed) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:."))
    changed = signed[:position] + replacement + signed[position + 1:]
    if changed == signed:
        return
    with clock.frozen_at(NOW), pytest.raises(links.BadLink):
        links.read(changed)
