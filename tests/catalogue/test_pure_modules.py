"""The catalogue's pure cores import neither Django nor any app (only kit), so they are tested alone
and the cases app can run them anywhere. (import-linter's pure-core contract covers only the ledger;
this holds the line for these modules until it lists them too.)"""

import ast
from pathlib import Path

import pytest

import smartgov.catalogue

ROOT = Path(smartgov.catalogue.__file__).parent
PURE = sorted(str(p.relative_to(ROOT)) for p in [
    *ROOT.glob("workflow/*.py"), *ROOT.glob("formschema/*.py"), ROOT / "calendar.py", ROOT / "diagram.py"])
ALLOWED_SMARTGOV = ("smartgov.kit", "smartgov.catalogue.workflow", "smartgov.catalogue.formschema")


@pytest.mark.parametrize("name", PURE)
def test_pure_module_imports_no_django_and_no_app(name):
    path = ROOT / name
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        for module in modules:
            if module.split(".")[0] in {"django", "ninja"} or (
                    module.startswith("smartgov") and not module.startswith(ALLOWED_SMARTGOV)):
                bad.append(f"{name}:{node.lineno} imports {module}")
    assert bad == []


def test_the_pure_cores_are_all_checked():
    assert len(PURE) == 9
