"""Sanitised HTML, plain text and canonical links: everything from a feed is untrusted.

nh3 (ammonia) with an allow-list runs last, so nothing we add later can reintroduce markup: no script,
style, iframe, form, event handlers or `style` attributes; only http(s)/mailto URLs; rel=noopener on links.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import nh3

MAX_HTML_CHARS = 100_000  # a 5 MB item is cut; what is kept is still sanitised whole
MAX_TEXT_CHARS = 20_000
TITLE_FROM_TEXT_CHARS = 110

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark",
    "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "time": {"datetime"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
_SPACE = re.compile(r"\s+")
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|ocid|"
    r"cmpid|ito|xtor|at_\w+|wt_mc|ns_\w+|spm|__twitter_impression|ref_src|smid|sr_share)$",
    re.I,
)


def sanitize_html(fragment: str, base_url: str | None = None) -> str:
    """An allow-listed copy of an HTML fragment; relative links and images are made absolute against
    `base_url` (the feed's URL), or dropped without one: republished, they would point into our own site."""
    if not fragment:
        return ""
    if len(fragment) > MAX_HTML_CHARS:
        fragment = fragment[:MAX_HTML_CHARS]
    base = base_url if base_url and base_url.startswith(("http://", "https://")) else None
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        url_relative=("rewrite_with_base", base) if base else "deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(fragment: str) -> str:
    """Plain text of a fragment: tags become spaces, entities are decoded, whitespace collapsed."""
    if not fragment:
        return ""
    if "<" in fragment:
        # a space before every tag keeps words of adjacent blocks apart; nh3 drops script/style contents
        fragment = nh3.clean(fragment[:MAX_HTML_CHARS].replace("<", " <"), tags=set())
    return _SPACE.sub(" ", html.unescape(fragment)).strip()[:MAX_TEXT_CHARS]


def clean_title(title: str) -> str:
    """Titles are text: any markup in them is dropped, never rendered."""
    return html_to_text(title)


def title_from_text(text: str) -> str:
    """A title for an item that has none: the first words of its text."""
    if len(text) <= TITLE_FROM_TEXT_CHARS:
        return text
    cut = text[:TITLE_FROM_TEXT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > 40 else cut).rstrip(" ,.،:؛-") + "…"


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """http(s) URL without tracking parameters and fragment, host lower-cased; None if unsafe or absent."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        if not parts.scheme and base:
            parts = urlsplit(urljoin(base, url))
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        host = parts.hostname.lower()
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{netloc}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~-._") or "/"  # spaces and the like, encoded once
    return urlunsplit((scheme, netloc, path, query, ""))
