"""Data migrations run on the migrating (owner's) connection: a query on the default (app role's)
connection would wait for the locks the migration itself holds, and the migration would never end."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "smartgov"


def test_data_migrations_query_through_the_schema_editors_connection():
    problems = []
    for path in SRC.rglob("migrations/*.py"):
        text = path.read_text(encoding="utf-8")
        if "RunPython" not in text:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            if re.search(r"\.objects\.(?!using\()", line):
                problems.append(f"{path.relative_to(SRC)}:{lineno}: {line.strip()}")
    assert problems == [], "use Model.objects.using(schema_editor.connection.alias):\n" + "\n".join(problems)
