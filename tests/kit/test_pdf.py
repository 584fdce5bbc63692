from smartgov.kit import pdf


def test_a_signed_document_renders_to_a_deterministic_pdf():
    document = pdf.SignedDocument(
        issuer="丽水市市场监督管理局",
        title="营业执照",
        number="LS-2026-000123",
        rows=[("名称", "绿谷茶业有限公司"), ("有效期", "2026-11-24 至 2031-11-23")],
        verify_url="https://gov.example/lishui/verify/abc",
        signature_lines=["Ed25519 1a2b3c4d5e6f7a8b", "A" * 120],
        items_header=["项目", "金额"],
        items=[["水费", "¥42.00"]],
        footer="smartgov",
    )
    first = pdf.render(document)
    assert first.startswith(b"%PDF-")
    assert first == pdf.render(document)
    assert b"STSong-Light" in first
