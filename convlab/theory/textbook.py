r"""Textbook rates (SGD) used by the machinery checks."""

from __future__ import annotations

__all__: list[str] = []
