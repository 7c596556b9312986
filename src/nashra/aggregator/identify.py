"""Which stored item an entry is: identity within a feed, and a content hash across feeds.

Identity, in order of trust: the feed's GUID, else the canonical link, else the matching form of title and
text. Updated wording under the same GUID is the same item (it updates its row); the content hash tells
whether it changed, and is what exact duplicates across feeds share.
"""

from __future__ import annotations

import hashlib

from nashra.classifier.normalize import match_key


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def item_identity(guid: str | None, canonical_link: str | None, title: str, text: str) -> str:
    """A stable key for an entry within its feed."""
    if guid:
        return "g:" + _digest(guid)
    if canonical_link:
        return "l:" + _digest(canonical_link)
    return "h:" + content_hash(title, text)


def content_hash(title: str, text: str) -> str:
    """Same words (after Arabic folding and punctuation removal), same hash."""
    return _digest(match_key(title) + "\n" + match_key(text))
