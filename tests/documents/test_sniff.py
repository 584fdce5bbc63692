"""The sniffer alone: what bytes are, and whether a declaration may stand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgov.documents import sniff
from tests.documents import samples

KNOWN = [
    (samples.pdf(), sniff.PDF),
    (samples.image("PNG"), sniff.PNG),
    (samples.image("JPEG"), sniff.JPEG),
    (samples.image("GIF"), sniff.GIF),
    (samples.image("WEBP"), sniff.WEBP),
    (samples.image("TIFF"), sniff.TIFF),
    (samples.docx(), sniff.DOCX),
    (samples.xlsx(), sniff.XLSX),
    (samples.ofd(), sniff.OFD),
    (samples.CSV, sniff.TEXT),
    ("纯文本，GB18030 编码".encode("gb18030"), sniff.TEXT),
    (b"\xef\xbb\xbfBOM text\r\n", sniff.TEXT),
]


@pytest.mark.parametrize(("content", "expected"), KNOWN)
def test_detects_each_accepted_kind(content, expected):
    assert sniff.detect(content) == expected


@pytest.mark.parametrize(("content", "expected"), KNOWN)
def test_a_true_declaration_is_accepted(content, expected):
    result = sniff.verdict(expected, content)
    assert result.ok and result.content_type == expected


def test_csv_is_text_declared_as_csv():
    assert sniff.verdict("text/csv; charset=utf-8", samples.CSV).content_type == sniff.CSV
    assert sniff.verdict("application/csv", samples.CSV).content_type == sniff.CSV


def test_aliases_are_normalised():
    assert sniff.verdict("image/JPG", samples.image("JPEG")).content_type == sniff.JPEG


@pytest.mark.parametrize("program", [samples.ELF, samples.PE, b"#!/bin/sh\nrm -rf /\n", b"\x00asm\x01\x00\x00\x00"])
@pytest.mark.parametrize("declared", [sniff.PDF, sniff.TEXT, "application/octet-stream"])
def test_programs_are_refused_whatever_they_are_called(program, declared):
    result = sniff.verdict(declared, program)
    assert not result.ok and result.problem == "executable_refused" and result.field == "file"


def test_a_false_declaration_names_the_declared_type():
    result = sniff.verdict(sniff.PDF, samples.image("PNG"))
    assert (result.ok, result.problem, result.field) == (False, "type_mismatch", "declared_type")
    assert result.detected == sniff.PNG


def test_a_zip_that_is_no_known_document_is_refused():
    result = sniff.verdict(sniff.DOCX, samples.plain_zip())
    assert not result.ok and result.problem == "unrecognised_content"


def test_active_markup_is_not_plain_text():
    for markup in (b"<script>alert(1)</script>", b"  <html><body>", b"<svg onload=x>", b"<?php echo 1;"):
        assert sniff.detect(markup) is None
        assert not sniff.verdict(sniff.TEXT, markup).ok


def test_unsupported_declared_types_are_refused():
    result = sniff.verdict("application/x-msdownload", samples.pdf())
    assert not result.ok and result.problem == "unsupported_type" and result.field == "declared_type"


def test_empty_content_is_unknown():
    assert sniff.detect(b"") is None


@given(st.binary(max_size=512))
def test_anything_starting_like_a_program_is_refused(tail):
    for magic in (b"MZ", b"\x7fELF", b"#!"):
        assert not sniff.verdict(sniff.TEXT, magic + tail).ok


@given(st.binary(max_size=2048), st.sampled_from(sorted(sniff.ACCEPTED)))
def test_an_accepted_verdict_always_agrees_with_detection(content, declared):
    result = sniff.verdict(declared, content)
    if result.ok:
        found = sniff.detect(content)
        assert found == declared or (declared == sniff.CSV and found == sniff.TEXT)
        assert found not in (sniff.EXECUTABLE, sniff.ZIP, None)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=3000))
def test_printable_text_is_text(text):
    if text.lstrip().lower().startswith(("<script", "<html", "<!doctype html", "<svg", "<?php", "<%")):
        return
    if text.startswith(("#!", "MZ", "dex\n")):  # program headers win over "it is printable"
        return
    # Text that happens to start with another format's magic is that format; all else is text.
    assert sniff.detect(text.encode()) in (sniff.TEXT, sniff.PDF, sniff.GIF, sniff.WEBP)
