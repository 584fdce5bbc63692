"""The API's JSON renderer: orjson, with the same output as ninja's default encoder.

ninja's default renders through ``json.dumps`` with a Python ``default`` hook that is called for
every UUID, date and decimal; on a 50-row list that was the largest single cost of a request
(bench/api_overhead.py). orjson encodes UUIDs, str and int subclasses natively (to the same text);
datetimes, dates, times and dataclasses are passed through to ninja's encoder so their format
(DjangoJSONEncoder's: milliseconds, ``Z`` for UTC) is unchanged, and so are decimals, URLs and
everything else orjson does not know. The only visible difference: non-ASCII text is sent as UTF-8
rather than ``\\u`` escapes (the same JSON; the response is ``charset=utf-8``).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_fallback = NinjaJSONEncoder().default


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=_fallback, option=_OPTIONS)
