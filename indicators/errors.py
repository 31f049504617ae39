"""Refusals that a user reads: each carries its reason in Vietnamese (``vi``) and English (``en``)."""

from __future__ import annotations


class Bilingual(Exception):
    """Mixed into the engine's exceptions: ``str(error)`` is the English text, ``error.vi`` the Vietnamese."""

    def __init__(self, vi: str, en: str):
        self.vi, self.en = vi, en
        super().__init__(en)
