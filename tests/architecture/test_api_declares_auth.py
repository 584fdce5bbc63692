"""Every API operation says how callers authenticate, in the OpenAPI document itself: a tenant
credential, a platform one, or explicitly public (listed here, so opening an operation up is a
reviewed change)."""

from smartgov.api.v1 import api

PUBLIC_OPERATIONS: set[str] = {
    "GET /api/v1/t/{tenant}/documents/download/{token}",  # the signed, expiring link is the credential
    "GET /api/v1/t/{tenant}/billing/lookup/{payment_code}",  # the code printed on the payment notice
    "POST /api/v1/t/{tenant}/billing/notify/{channel}",  # channels' notifications, verified by signature
    "GET /api/v1/t/{tenant}/billing/receipts/{receipt_id}/verify",  # opened by the receipt's QR code
    "GET /api/v1/t/{tenant}/verify/{certificate_id}",  # opened by the certificate's QR code
}
KNOWN_SCHEMES = {"TenantAuth", "PlatformAuth"}


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", path, operation


def test_every_operation_declares_its_auth():
    missing = []
    for name, path, operation in operations():
        schemes = {scheme for requirement in operation.get("security", []) for scheme in requirement}
        if not schemes:
            if name not in PUBLIC_OPERATIONS:
                missing.append(name)
            continue
        assert schemes <= KNOWN_SCHEMES, f"{name}: unknown auth {schemes - KNOWN_SCHEMES}"
        if "/t/{tenant}/" in path:
            assert schemes == {"TenantAuth"}, f"{name}: a tenant path must use tenant auth"
        else:
            assert schemes == {"PlatformAuth"}, f"{name}: a platform path must use platform auth"
    assert missing == [], f"operations without declared auth: {missing}"


def test_every_operation_is_described():
    schema = api.get_openapi_schema()
    assert schema["openapi"].startswith("3.1")
    for name, _path, operation in operations():
        assert operation.get("summary"), f"{name} has no summary"
        assert operation.get("tags"), f"{name} has no tag"


def test_schema_names_are_unique_across_apps():
    """OpenAPI names a component by its class name: two apps' ``PaymentIn`` would silently share
    one entry and document one of them wrongly."""
    import collections

    import pydantic

    seen = collections.defaultdict(set)
    pending = list(pydantic.BaseModel.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("smartgov.") and "Generic" not in cls.__name__:
            seen[cls.__name__].add(cls.__module__)
    api.get_openapi_schema()  # import every router's schemas
    clashes = {name: modules for name, modules in seen.items() if len(modules) > 1}
    assert clashes == {}
