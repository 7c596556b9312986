"""Bytes to text for Arabic feeds, where feedparser's own detection silently produces mojibake.

Decision order: BOM; bytes that are valid UTF-8 are UTF-8 whatever the label says; the feed's override
in the config; the XML declaration; the HTTP charset; then a guess. A label is not trusted blindly: when a
Latin label yields Latin-1 mojibake while windows-1256 yields Arabic letters, windows-1256 wins. The result
is re-encoded as UTF-8 with a matching declaration, so feedparser has nothing left to guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_PROLOG = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_PROLOG_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[", re.I)

ARABIC_CODECS = {"cp1256", "iso8859-6"}
_LATIN_FALLBACKS = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15", "iso8859-2", "cp1250"}


class DecodeError(Exception):
    """The document is refused before parsing (an entity declaration, no bytes)."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # codec name actually used
    note: str | None = None  # set when we overrode what the document or server declared


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.I)
    return match.group(1) if match else None


def arabic_share(text: str) -> float:
    """Share of Arabic-block letters among the non-ASCII letters of a text (1.0 when there are none)."""
    arabic = other = 0
    for ch in text:
        if ch < "\x80":
            continue
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            arabic += 1
        elif ch.isalpha():
            other += 1
    return 1.0 if arabic + other == 0 else arabic / (arabic + other)


def _best_guess(body: bytes, first: str) -> tuple[str, str]:
    """Decode with `first`; if that is not Arabic but an Arabic codec is, take the Arabic one."""
    text = body.decode(first, errors="replace")
    if first in ARABIC_CODECS or arabic_share(text) >= 0.5:
        return text, first
    best_text, best_codec, best_share = text, first, arabic_share(text)
    for candidate in ("cp1256", "iso8859-6"):
        other = body.decode(candidate, errors="replace")
        share = arabic_share(other) - other.count("\ufffd") / max(len(other), 1)
        if share > best_share + 0.3:
            best_text, best_codec, best_share = other, candidate, share
    return best_text, best_codec


def decode_document(body: bytes, content_type: str | None = None, override: str | None = None) -> Decoded:
    """Decode a feed document to text; see the module docstring for the order of evidence."""
    if not body or not body.strip():
        raise DecodeError("empty body")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return _finish(body.decode(name, errors="replace").lstrip("\ufeff"), name, None)
    prolog = _PROLOG.match(body[:512])
    declared = _codec(prolog.group(1).decode("ascii")) if prolog else None
    header = _codec(http_charset(content_type))
    try:
        text = body.decode("utf-8")
        labelled = override or declared or header
        note = None
        if labelled and _codec(labelled) not in ("utf-8", "ascii", None):
            note = f"declared {labelled} but the bytes are valid UTF-8: read as UTF-8"
        return _finish(text, "utf-8", note)
    except UnicodeDecodeError:
        pass
    if override:
        return _finish(body.decode(_codec(override) or "cp1256", errors="replace"), override, None)
    label = declared or header
    if label in ("utf-8", "ascii", None):
        label = "cp1256"  # invalid UTF-8 with no usable label: in Arabic news, windows-1256 is the norm
    text, used = _best_guess(body, label)
    note = None
    if used != label or (label == "cp1256" and not (declared or header)):
        note = f"declared {declared or header or 'nothing'}; detected {used} from the text"
    return _finish(text, used, note)


def _finish(text: str, encoding: str, note: str | None) -> Decoded:
    head = text[:4096]
    subset = _DOCTYPE_SUBSET.search(head)
    if subset and _ENTITY_DECL.search(text, subset.end(), subset.end() + 65536):
        raise DecodeError("refused: the document declares XML entities in its DOCTYPE "
                          "(entity expansion or external entity attack)")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = _PROLOG_TEXT.sub(r"\g<1>utf-8\g<3>", text, count=1)
    return Decoded(text=text, encoding=encoding, note=note)
