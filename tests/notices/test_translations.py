"""The notices app's Simplified Chinese catalogue is complete: every string translated, none fuzzy
or obsolete, placeholders kept. (The notice wording itself ships per language in events.py.)"""

from tests.pofile import catalogue, problems, read


def test_the_catalogue_is_complete():
    assert len(read(catalogue("notices"))) > 20
    assert problems(catalogue("notices")) == []
