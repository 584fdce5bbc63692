"""Run as ``python -m tests.cases.serverworld`` against a fresh database (the environment names it):
migrate, make a city with a published service, a citizen with a document in the wallet and an
agency's API key allowed to submit on the citizen's behalf; print them as JSON. Used by the crash
test and bench/submit.py, which then drive the production server over HTTP."""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate_platform", verbosity=0)

    from smartgov.accounts import permissions as perms
    from smartgov.tenancy.context import tenant_context
    from tests.builders import make_api_key
    from tests.cases.builders import make_world

    world = make_world(sys.argv[1] if len(sys.argv) > 1 else "crashcity")
    _client, key = make_api_key(world.tenant, [perms.APPLICATIONS_SUBMIT_ON_BEHALF])
    with tenant_context(world.tenant):
        print(
            json.dumps(
                {
                    "tenant": world.tenant.slug,
                    "service_id": str(world.service.pk),
                    "citizen_id": str(world.citizen.pk),
                    "lease_id": str(world.lease_id),
                    "key": key,
                }
            )
        )


if __name__ == "__main__":
    main()
