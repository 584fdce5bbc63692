"""The catalogue's Simplified Chinese catalogue is complete: every string translated, none fuzzy or
obsolete, placeholders kept."""

from tests.pofile import catalogue, problems, read


def test_the_catalogue_is_complete():
    assert len(read(catalogue("catalogue"))) > 150
    assert problems(catalogue("catalogue")) == []
