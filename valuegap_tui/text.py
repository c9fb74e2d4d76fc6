"""Untrusted text made safe to show in a terminal, without changing what is stored.

Dilemmas, personas, server replies, model names and error messages may hold control characters
(from an import, a model or a server). Sent raw, ESC starts a terminal escape sequence (colours,
cursor moves), BEL rings, CR moves the cursor, and bidi overrides reorder what is seen. ``visible``
replaces each one with a visible stand-in: C0 controls and DEL become their Unicode control
pictures (ESC -> ␛), C1 controls and bidi/line-separator characters become ``\\x9b`` / ``\\u202e``
escapes. Newline and tab are kept where the layout allows them.

The editor shows ``visible`` text and ``restore_controls`` puts the original control characters
back into the parts the person left untouched, so saving an edit never loses or corrupts them.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

#: bidi embeddings/overrides/isolates, marks, and the line/paragraph separators that break layout
_FORMAT_CHARS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + _FORMAT_CHARS + "]")


def _stand_in(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True, tabs: bool = True) -> str:
    """``text`` with every control/format character shown as a visible stand-in (never raw)."""
    if not isinstance(text, str):
        text = str(text)

    def replace(match: re.Match) -> str:
        char = match.group(0)
        if (char == "\n" and newlines) or (char == "\t" and tabs):
            return char
        return _stand_in(char)

    return _UNSAFE.sub(replace, text)


def one_line(text: str) -> str:
    """``visible`` for a single-line cell: newlines and tabs become spaces."""
    if not isinstance(text, str):
        text = str(text)
    return visible(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "), newlines=False, tabs=False)


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character ``visible`` would replace (newline and tab aside)."""
    return any(ch not in "\n\t" for ch in _UNSAFE.findall(text))


def _pieces(text: str) -> list[str]:
    """What each character of ``text`` looks like in the editor (one piece per character)."""
    return [ch if ch in "\n\t" or not _UNSAFE.match(ch) else _stand_in(ch) for ch in text]


def editable(text: str) -> str:
    """The text the editor shows: ``visible`` keeping newlines and tabs."""
    return "".join(_pieces(text))


def restore_controls(original: str, edited: str) -> str:
    """The stored text after an edit: the editor's ``edited`` with the original control characters
    back wherever their stand-ins were left untouched.

    Unchanged text gives back ``original`` exactly. Stand-ins the person typed or partly edited stay
    as the visible characters they are: an edit never turns typed text into a control character.
    """
    shown = editable(original)
    if edited == shown:
        return original
    pieces = _pieces(original)
    # owner[i]: (index of the original character shown at position i of ``shown``, piece start, end)
    owner: list[tuple[int, int, int]] = []
    pos = 0
    for k, piece in enumerate(pieces):
        owner.extend([(k, pos, pos + len(piece))] * len(piece))
        pos += len(piece)
    out: list[str] = []
    matcher = SequenceMatcher(None, shown, edited, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append(edited[j1:j2])
            continue
        i = i1
        while i < i2:
            k, start, end = owner[i]
            if start >= i1 and end <= i2 and i == start:
                out.append(original[k])  # the whole stand-in survived: the original character
                i = end
            else:
                out.append(shown[i])  # a stand-in cut by an edit: keep what is visible
                i += 1
    return "".join(out)
