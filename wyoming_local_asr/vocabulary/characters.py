"""Characters no vocabulary string may hold: controls and invisible format characters.

C0 and C1 controls (NUL, tab, newline, escape, ...), DEL, bidirectional overrides and isolates
(U+202A-U+202E, U+2066-U+2069), zero-width and other format characters, line and paragraph
separators, surrogates and private-use characters: none is speakable, and some make a name look
different from what it is in logs and in Home Assistant. A leaf module (no imports of this
package), so the settings' validators can use it too.
"""

from __future__ import annotations

import unicodedata

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def control_character(text: str) -> str | None:
    """The first refused character of `text` as `U+XXXX`, else None."""
    for character in text:
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return f"U+{ord(character):04X}"
    return None


def refusal(text: str) -> str | None:
    """Why `text` is refused (one phrase, to follow the field's name), else None."""
    found = control_character(text)
    return None if found is None else f"control or format character {found} is not allowed"
