"""Bytes -> text for authored YAML: UTF-8 only, and no character YAML forbids.

PyYAML reports a stray NUL, ESC or DEL with a ReaderError that is not one of its
located errors (a traceback in pytest, "internal error" in `evalkit validate`),
and a UTF-16 file as undecodable bytes or not at all. Both are caught here,
before YAML sees the text, as one problem naming the file, line and column.
"""

from __future__ import annotations

import codecs
import re

from evalkit.spec.problems import Problem, SpecError

# Checked longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32", "little-endian"),
    (codecs.BOM_UTF32_BE, "UTF-32", "big-endian"),
    (codecs.BOM_UTF16_LE, "UTF-16", "little-endian"),
    (codecs.BOM_UTF16_BE, "UTF-16", "big-endian"),
)
# What a YAML 1.1 stream may not hold (PyYAML's reader): C0 controls except tab, LF and CR; DEL;
# C1 controls except NEL; surrogates; U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # what YAML counts as a new line
_ASCII_NAMES = dict(
    enumerate(
        [
            "NUL",
            "SOH",
            "STX",
            "ETX",
            "EOT",
            "ENQ",
            "ACK",
            "BEL",
            "BS",
            "HT",
            "LF",
            "VT",
            "FF",
            "CR",
            "SO",
            "SI",
            "DLE",
            "DC1",
            "DC2",
            "DC3",
            "DC4",
            "NAK",
            "SYN",
            "ETB",
            "CAN",
            "EM",
            "SUB",
            "ESC",
            "FS",
            "GS",
            "RS",
            "US",
        ]
    )
)
_ASCII_NAMES[0x7F] = "DEL"


def decode_yaml(raw: bytes, shown: str) -> str:
    """The file's text; raises SpecError for another encoding or a forbidden character."""
    for bom, name, order in _BOMS:
        if raw.startswith(bom):
            message = f"file is {name} ({order}, detected by its byte order mark; expected UTF-8: save it as UTF-8)"
            raise SpecError([Problem(shown, 1, 1, "", message)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        message = f"file is not valid UTF-8 (byte 0x{bad}; save the file as UTF-8)"
        raise SpecError([Problem(shown, line, col, "", message)]) from None
    _check_characters(text, shown)
    return text


def sniff_text(raw: bytes) -> str:
    """Best-effort text of a file's head for recognising its kind: UTF-16/32 by their byte order mark.

    A UTF-16 suite read as UTF-8 has no visible `suite:` key and was silently not collected; sniffed
    through its BOM it is collected, and loading it then says it must be UTF-8.
    """
    for bom, name, order in _BOMS:
        if raw.startswith(bom):
            codec = f"utf-{name[4:]}-{'le' if order == 'little-endian' else 'be'}"
            return raw[len(bom) :].decode(codec, errors="replace")
    return raw.decode("utf-8", errors="replace")


def _check_characters(text: str, shown: str) -> None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    line, col = position(text, found.start())
    code = ord(found.group())
    name = f"{_ASCII_NAMES[code]} (U+{code:04X})" if code in _ASCII_NAMES else f"U+{code:04X}"
    hint = _encoding_hint(text) or f'delete it, or inside double quotes write it as the escape "\\u{code:04x}"'
    more = len(_FORBIDDEN.findall(text)) - 1
    others = f"; {more} more in the file" if more else ""
    message = f"character {name} is not allowed in a YAML file ({hint}{others})"
    raise SpecError([Problem(shown, line, col, "", message)])


def _encoding_hint(text: str) -> str | None:
    """UTF-16/32 saved without a byte order mark decodes as UTF-8 full of NULs."""
    sample = text[:4096]
    if sample and sample.count("\x00") * 4 >= len(sample):
        return "the file looks like UTF-16 or UTF-32 without a byte order mark; save it as UTF-8"
    return None


def position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of `text[index]`, counting line breaks as YAML does."""
    line, start = 1, 0
    for brk in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, brk.end()
    return line, index - start + 1
