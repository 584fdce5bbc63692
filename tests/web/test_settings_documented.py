from pathlib import Path

from smartgov.config.env import SETTINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_every_setting_is_documented_with_its_description():
    text = DOC.read_text()
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text, f"{setting.name} is not in docs/operations.md"
        assert setting.description in text, f"{setting.name}'s description differs from docs/operations.md"
