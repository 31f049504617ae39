"""Text that came from data reaches every way out as plain text: the one escaping path.

Sources, notes, plan titles and quotes, file names, user names — anything an analyst, a file or a target sheet
brought in — is passed through one of these before it is written where markup is read:

- :func:`md` for Streamlit's markdown (captions, ``st.markdown``, messages, metric labels and ``help``
  tooltips): every ASCII punctuation character is backslash-escaped (CommonMark lets any of them be), so
  ``[text](url)``, ``![x](src)``, ``**bold**``, ``:red[...]``, ``$math$``, ``<tags>`` and ``&entities;`` show
  as the characters they are; line breaks become spaces (no new block can start); bare addresses
  (``https://…``, ``www.…``, ``name@host``) get an invisible word joiner, so no autolink is made of them.
- :func:`html` for Plotly (titles, labels, hover text), which renders a subset of HTML (``<a>``, ``<b>``,
  ``<br>``): ``&``, ``<`` and ``>`` become entities, which Plotly draws as the characters.
- Bidirectional controls (U+202E and the rest) and other control characters are shown by every one of these as a
  visible mark (``⟨U+202E⟩``, :func:`~indicators.text.visible_controls`), never left to take effect.
- :func:`formula_safe` / :func:`formula_unsafe` for spreadsheets (every CSV and table the dashboard lets out):
  a text that a spreadsheet would run as a formula gets a leading apostrophe; the inverse restores it exactly
  when such a file comes back in.
"""

from __future__ import annotations

import html as _html
import re
import string

from indicators.domain.text import visible_controls

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# Streamlit's renderer turns bare addresses into links (GFM autolinks: ``https://…``, ``www.…``, ``a@b.c``) even
# when every character is escaped; an invisible word joiner before the character that completes one keeps the
# text as it reads and makes no link.
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|file|data|javascript):|www\.|@")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
_NEEDS_APOSTROPHE = re.compile(r"^'*[=+\-@\t\r]")


def md(value: object) -> str:
    """``value`` as markdown that renders as exactly its text (control characters shown as visible marks)."""
    text = visible_controls("" if value is None else str(value))
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _JOINER + m.group(0)[-1], _BREAKS.sub(" ", text))
    return _MD_SPECIAL.sub(r"\\\1", text)


def html(value: object) -> str:
    """``value`` as Plotly text that renders as exactly its characters (control characters as visible marks)."""
    return _html.escape(visible_controls("" if value is None else str(value)), quote=False)


def shown(value: object) -> object:
    """A table cell or a download's text with its control characters as visible marks (other values as they
    are): a bidirectional override in a name cannot turn the text around it."""
    return visible_controls(value) if isinstance(value, str) else value


def formula_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) with an
    apostrophe before it; a text that already starts with apostrophes before such a character gets one more,
    so that :func:`formula_unsafe` gives back exactly the original. Anything else is returned as it is."""
    if isinstance(value, str) and _NEEDS_APOSTROPHE.match(value):
        return "'" + value
    return value


def formula_unsafe(value: object) -> object:
    """The inverse of :func:`formula_safe`, for text read back from a file the dashboard wrote."""
    if isinstance(value, str) and _ESCAPED_FORMULA.match(value):
        return value[1:]
    return value
