"""Refusals that a user reads: each carries its reason in Vietnamese (``vi``) and English (``en``); the two texts
come from the message catalogue where the refusal is raised (``i18n.bilingual(key, **values)``)."""

from __future__ import annotations


class Bilingual(Exception):
    """Mixed into the engine's exceptions: ``str(error)`` is the English text, ``error.vi`` the Vietnamese."""

    def __init__(self, vi: str, en: str):
        self.vi, self.en = vi, en
        super().__init__(en)

    def in_language(self, lang: str) -> str:
        """The reason in ``lang``: English when asked for, else Vietnamese (the interface's fallback language)."""
        return self.en if lang == "en" else self.vi
