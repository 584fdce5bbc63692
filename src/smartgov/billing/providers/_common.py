"""What the channel adapters share: exact amount conversion, a small HTTP client, key loading, and
reading the form and CSV shapes providers use. No Django here except reading settings in ``registry``."""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from smartgov.billing.providers._crypto import Algorithm, Signer, Verifier, signer_for, verifier_for
from smartgov.billing.providers.base import ForgedNotification, ProviderError
from smartgov.kit import money

CHINA = ZoneInfo("Asia/Shanghai")  # every provider here speaks Beijing time

# Provider wire format for yuan: digits, optionally a point and one or two decimals. No sign, no
# exponent, no grouping, no spaces: anything else is not an amount a provider sends.
_YUAN = re.compile(r"(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?")
# Statements print fees with more decimals (WeChat: five); they must still be whole fen.
_YUAN_SIGNED_LONG = re.compile(r"-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,8})?")


def yuan_to_fen(text: str) -> int:
    """'12.34' -> 1234, exactly (Decimal, never float). ValueError for anything but the strict wire form."""
    if not isinstance(text, str) or not _YUAN.fullmatch(text):
        raise ValueError(f"not a yuan amount: {text!r}")
    return money.parse_amount(text, "CNY")


def signed_yuan_to_fen(text: str) -> int:
    """A statement figure, possibly negative and with trailing zero decimals ('-0.06000' -> -6)."""
    if not _YUAN_SIGNED_LONG.fullmatch(text):
        raise ValueError(f"not a yuan amount: {text!r}")
    try:
        return money.parse_amount(text, "CNY")
    except ValueError:
        raise ValueError(f"not a whole number of fen: {text!r}") from None


def fen_to_yuan(fen: int) -> str:
    """1234 -> '12.34' (two decimals, as the providers require)."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError(f"not an amount in fen: {fen!r}")
    return money.to_decimal_text(fen, "CNY")


def fen_field(value: Any, name: str) -> int:
    """An integer-fen field of a JSON document (WeChat), refusing bools, floats and negatives."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ForgedNotification(f"{name} is not an amount in fen")
    return value


def parse_local(text: str, fmt: str) -> datetime:
    """A provider timestamp in Beijing time, as timezone-aware UTC."""
    return datetime.strptime(text, fmt).replace(tzinfo=CHINA).astimezone(UTC)


def sorted_params(params: Mapping[str, str], exclude: tuple[str, ...]) -> str:
    """The ``k=v&k=v`` string providers sign: keys sorted (byte order), excluded keys and empty values
    dropped, values raw (not URL-encoded)."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in exclude and params[k] not in ("", None))


def parse_form(body: bytes, charset: str = "utf-8") -> dict[str, str]:
    """An application/x-www-form-urlencoded body. A key given twice is ambiguous: refuse it."""
    try:
        text = body.decode("ascii")
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), encoding=charset, errors="strict"
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ForgedNotification("not a form-encoded body") from exc
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise ForgedNotification(f"parameter {key} given twice")
        params[key] = value
    return params


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header look-up ('' when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def csv_rows(content: bytes, *, comment: str = "#") -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV statement, UTF-8 (with or without BOM) or GBK as providers write,
    skipping blank lines and comment lines. Line numbers are 1-based lines of the file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gbk")
        except UnicodeDecodeError as exc:
            raise ValueError(f"statement is neither UTF-8 nor GBK text (byte {exc.start})") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or (comment and line.startswith(comment)):
            continue
        try:
            cells = next(csv.reader(io.StringIO(line), strict=True))
        except (csv.Error, StopIteration) as exc:
            raise ValueError(f"line {number}: not a CSV row ({exc})") from exc
        rows.append((number, [cell.strip() for cell in cells]))
    return rows


def statement_text(content: bytes) -> str:
    """A statement file's text, UTF-8 (with or without BOM) or GBK; empty if it is neither."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def accounts_named(content: bytes, pattern: re.Pattern[str]) -> dict[str, int]:
    """Each account ``pattern``'s first group finds at the start of a line, with its first line number."""
    found: dict[str, int] = {}
    for number, line in enumerate(statement_text(content).splitlines(), start=1):
        match = pattern.match(line)
        if match:
            found.setdefault(match.group(1), number)
    return found


ACCOUNT_LINE = re.compile(r"#账号：\[([^\]]+)\]")  # Alipay's and the bank's "#账号：[…]" comment line


def columns(header_cells: list[str], wanted: tuple[str, ...], line: int) -> dict[str, int]:
    """Index of each wanted column in a statement's header row, naming the first one missing."""
    index = {name: i for i, name in enumerate(header_cells)}
    for name in wanted:
        if name not in index:
            raise ValueError(f"line {line}: header lacks column {name!r}")
    return index


# -- configuration ------------------------------------------------------------------------------------


def secret(conf: Mapping[str, Any], name: str, channel: str) -> str:
    """A key or secret from the channel's settings: inline (``name``) or a file (``name_path``)."""
    if conf.get(name):
        return str(conf[name])
    path = conf.get(f"{name}_path")
    if path:
        try:
            return Path(path).read_text()
        except OSError as exc:
            raise ProviderError(f"payment channel {channel}: cannot read {name}_path {path}: {exc}") from exc
    raise ProviderError(f"payment channel {channel}: {name} (or {name}_path) is not configured")


def key_pair(conf: Mapping[str, Any], algorithm: Algorithm, channel: str) -> tuple[Signer, Verifier]:
    """Our private key and the provider's public key for the algorithm in force. RSA keys are
    ``private_key``/``provider_public_key``; SM2 keys ``sm2_private_key``/``sm2_provider_public_key``."""
    prefix = "sm2_" if algorithm == "SM2" else ""
    signer = signer_for(algorithm, secret(conf, f"{prefix}private_key", channel))
    verifier = verifier_for(algorithm, secret(conf, f"{prefix}provider_public_key", channel))
    return signer, verifier


# -- HTTP -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def http(
    method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None, timeout: float = 10.0
) -> HttpResponse:
    """One HTTP exchange. Any HTTP status comes back as a response; a network failure is a retryable
    ProviderError (the provider may or may not have acted: callers query before retrying money moves)."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ProviderError(f"refusing a non-HTTP provider URL: {url}")
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (scheme checked above)
            return HttpResponse(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise ProviderError(f"provider unreachable at {url}: {exc}", retryable=True) from exc
