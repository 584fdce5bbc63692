"""Apps import each other only through ``services``, ``selectors`` and ``schemas`` (plus the few
shared infrastructure modules listed here); ``kit`` and the pure cores import no app. A new
exception is a design decision: add it here with the reason."""

import ast
from pathlib import Path

import smartgov

ROOT = Path(smartgov.__file__).parent
PUBLIC_MODULES = {"services", "selectors", "schemas"}
# Shared infrastructure any app may use, and why.
INFRASTRUCTURE = {
    "tenancy.models",  # Tenant and TenantOwned: every tenant-owned model's base (DESIGN: models import tenancy)
    "tenancy.context",  # acting for a tenant (row-level security) is everyone's business
    "tenancy.keys",  # envelope encryption with the tenant's data key
    "accounts.permissions",  # the permission catalogue, shared by every API router
    "api.auth",  # how API operations authenticate
    "api.errors",
    "api.idempotency",  # Idempotency-Key handling for money and submission POSTs (DESIGN rule 9)
    "web.serving",  # starting the production server (demo and serve commands)
    "web.pages",  # the one page guard: tenant, sign-in, membership, permission
}
# Packages that are not domain apps: they wire the others together.
WIRING = {"config", "demo", "api", "cli"}
PURE = {"kit", "ledger"}  # import no app (pure cores inside apps are checked by import-linter)


def imports_of(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("smartgov."):
            names = [node.module + "." + alias.name for alias in node.names]
            yield node.lineno, node.module, names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("smartgov."):
                    yield node.lineno, alias.name, [alias.name]


def target_of(module: str, names: list[str]) -> tuple[str, str]:
    parts = module.split(".")
    if len(parts) == 2:  # "from smartgov.accounts import services"
        return parts[1], names[0].split(".")[2] if len(names[0].split(".")) > 2 else ""
    return parts[1], parts[2]


def test_apps_import_each_other_only_through_their_public_modules():
    problems = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        app = relative.parts[0].removesuffix(".py")
        if app in WIRING or "migrations" in relative.parts:
            continue
        for lineno, module, names in imports_of(path):
            for name in names if len(module.split(".")) == 2 else [module + ".x"]:
                other, sub = target_of(module, [name])
                if other == app or other in PURE:  # pure cores (kit, ledger) serve every app
                    continue
                if app in PURE:
                    problems.append(f"{relative}:{lineno} pure package imports smartgov.{other}")
                elif sub not in PUBLIC_MODULES and f"{other}.{sub}" not in INFRASTRUCTURE:
                    problems.append(f"{relative}:{lineno} imports smartgov.{other}.{sub}")
    assert problems == [], "cross-app imports outside services/selectors/schemas:\n" + "\n".join(problems)
