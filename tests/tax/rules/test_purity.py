"""The rules core imports only the standard library, numpy and smartgov.kit: checked in a fresh
interpreter, so nothing the test run already imported can hide a dependency."""

import json
import subprocess
import sys
from pathlib import Path

import smartgov

SRC = str(Path(smartgov.__file__).parent.parent)


def test_the_rules_core_loads_without_django_or_any_app():
    code = (
        "import sys, json; import smartgov.tax.rules as r; "
        "r.withhold_wages_month(r.WagesYearToDate(period='2024-01', months_employed=1, cumulative_income=1)); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'ninja', 'pydantic', 'yaml') or (m.startswith('smartgov.') and not "
        "(m.startswith('smartgov.kit') or m.startswith('smartgov.tax.rules') or m == 'smartgov.tax')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": SRC, "PATH": ""}
    )
    assert json.loads(out.stdout) == []
