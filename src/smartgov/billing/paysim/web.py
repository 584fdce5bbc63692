"""Just enough WSGI: a request wrapper and response helpers (the simulator takes no framework)."""

from __future__ import annotations

import html
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str  # the full path as the client sent it (what signatures cover)
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    remote: str = ""

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def path_and_query(self) -> str:
        return self.path + (f"?{self.query_string}" if self.query_string else "")

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True))

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        raw_path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        # PEP 3333 hands PATH_INFO over as latin-1 decoded bytes; recover the UTF-8 path the client sent.
        path = urllib.parse.quote(
            raw_path.encode("latin-1").decode("utf-8", errors="replace"), safe="/%:@!$&'()*+,;=-._~"
        )
        return cls(
            environ["REQUEST_METHOD"],
            path,
            environ.get("QUERY_STRING", ""),
            headers,
            body,
            environ.get("REMOTE_ADDR", ""),
        )


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, "application/json; charset=utf-8", dict(headers or {}))


def redirect(url: str) -> Response:
    return Response(303, b"", headers={"Location": url})


def page(title: str, body_html: str, status: int = 200) -> Response:
    document = f"""<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}}
.amount{{font-size:2rem;font-weight:600}} button{{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.6rem}}
.sim{{color:#a00;font-size:.8rem}}</style></head>
<body><p class="sim">payment-provider simulator / 支付渠道模拟器</p>{body_html}</body></html>"""
    return Response(status, document.encode(), "text/html; charset=utf-8")


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)
