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
from collections.abc import Iterable

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


# Characters that change how text around them is shown without being seen themselves: the bidirectional controls
# (embeddings, overrides, isolates, marks: "‮" turns "gpj.exe" round) and the C0/C1 control characters. Imports refuse
# them (line breaks and tabs are allowed only in free text such as notes); every way out shows them as a visible
# mark (:func:`visible_controls`), so that none takes effect.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROLS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f" + "".join(sorted(BIDI_CONTROLS)) + "]")
_LINE_CONTROLS = re.compile("[\t\n\r]")


def control_characters(text: str, free_text: bool = False) -> list[str]:
    """The control characters in ``text`` as ``U+XXXX`` names, in order (tab and line breaks count only when
    ``free_text`` is False: names, codes and sources are one line)."""
    found = [m.group(0) for m in _CONTROLS.finditer(text)]
    if not free_text:
        found += [m.group(0) for m in _LINE_CONTROLS.finditer(text)]
    return sorted({f"U+{ord(c):04X}" for c in found})


def has_controls(values: Iterable[object]) -> bool:
    """Whether any text among ``values`` holds a character :func:`visible_controls` would replace: the texts are
    searched joined by line breaks (never replaced), one search for a whole column instead of one a cell."""
    return _CONTROLS.search("\n".join(v for v in values if isinstance(v, str))) is not None


def visible_controls(text: str) -> str:
    """``text`` with each bidirectional or other control character (not tab or line breaks) replaced by a visible
    ``⟨U+202E⟩``: shown as what it is, it takes no effect."""
    return _CONTROLS.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", text)
