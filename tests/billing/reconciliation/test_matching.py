"""The matching rules alone, on plain values."""

from smartgov.billing.reconciliation.matching import Line, Ours, match


def ours(ref, amount=100, state="succeeded", kind="payment", currency="CNY"):
    return Ours(kind, ref, ref, state, amount, currency)


def kinds(result):
    return sorted((f.kind, f.reference) for f in result.differences)


def test_agreeing_lines_match_and_nothing_is_different():
    records = {("payment", "A"): ours("A"), ("refund", "R"): ours("R", 40, kind="refund")}
    result = match(
        [Line(1, "payment", "A", 100, "CNY"), Line(2, "refund", "R", 40, "CNY")], records, list(records.values())
    )
    assert result.differences == []
    assert set(result.matched) == {1, 2}


def test_every_kind_of_difference():
    records = {
        ("payment", "AMT"): ours("AMT", 100),
        ("payment", "CUR"): ours("CUR", 100, currency="HKD"),
        ("payment", "OPEN"): ours("OPEN", 100, state="created"),
        ("payment", "DUP"): ours("DUP", 100),
    }
    expected = [ours("AMT", 100), ours("CUR", 100, currency="HKD"), ours("DUP"), ours("GONE", 70)]
    lines = [
        Line(1, "payment", "AMT", 101, "CNY"),
        Line(2, "payment", "CUR", 100, "CNY"),
        Line(3, "payment", "OPEN", 100, "CNY"),
        Line(4, "payment", "DUP", 100, "CNY"),
        Line(5, "payment", "DUP", 100, "CNY"),
        Line(6, "payment", "UNKNOWN", 5, "CNY"),
    ]
    result = match(lines, records, expected)
    assert kinds(result) == [
        ("amount_mismatch", "AMT"),
        ("currency_mismatch", "CUR"),
        ("duplicate_line", "DUP"),
        ("missing_ours", "UNKNOWN"),
        ("missing_statement", "GONE"),
        ("state_mismatch", "OPEN"),
    ]
    amount = next(f for f in result.differences if f.kind == "amount_mismatch")
    assert (amount.ours_fen, amount.theirs_fen, amount.line_position) == (100, 101, 1)
    assert next(f for f in result.differences if f.kind == "duplicate_line").line_position == 5


def test_a_record_settled_on_another_days_statement_is_not_missing():
    late = ours("LATE")
    assert match([], {}, [late], {("payment", "LATE")}).differences == []
    assert kinds(match([], {}, [late])) == [("missing_statement", "LATE")]


def test_a_refund_and_a_payment_may_share_a_reference_string():
    records = {("payment", "X"): ours("X", 100), ("refund", "X"): ours("X", 30, kind="refund")}
    lines = [Line(1, "payment", "X", 100, "CNY"), Line(2, "refund", "X", 30, "CNY")]
    assert match(lines, records, list(records.values())).differences == []
