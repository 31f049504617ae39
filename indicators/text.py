"""Text normalisation shared by the registry, the loaders and the importers.

All text that enters the database is NFC. Names are matched on a *key*: the
name folded to ASCII (``đ`` → ``d``, tones dropped), lower-cased, with the
administrative prefixes (``Tỉnh``, ``Thành phố``, ``TP.``) and every
non-alphanumeric character removed, so ``TP. Hồ Chí Minh``, ``Ho Chi Minh``
and ``HỒ CHÍ MINH`` share one key.
"""

from __future__ import annotations

import re
import unicodedata

_PREFIXES = ("thanhpho", "tinh", "tp")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding white space removed."""
    return unicodedata.normalize("NFC", text).strip()


def fold_ascii(text: str) -> str:
    """Drop Vietnamese diacritics: ``Đắk Lắk`` → ``Dak Lak``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """The matching key of a place name (see the module docstring)."""
    key = _NON_ALNUM.sub("", fold_ascii(nfc(text)).lower())
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            return key[len(prefix):]
    return key


def squash_spaces(text: str) -> str:
    """Collapse every run of white space (line breaks included) to one space."""
    return " ".join(nfc(text).split())
