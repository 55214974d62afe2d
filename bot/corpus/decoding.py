"""Coverage files' bytes as text: UTF-8, or the legacy encoding a file was saved in.

Text and Markdown files written on older Windows or Mac set-ups come in Windows-1252 or
Latin-1; they are read in that encoding, with a warning, rather than dropped. A UTF-8 one
with a few bad bytes is not one of those (reading it as Windows-1252 would garble all its
other accents), so it keeps its bad lines, bad bytes replaced.

JSON Lines is UTF-8 by definition (jsonlines.org), and each line is a record of its own:
a line that is not UTF-8 is skipped on its own, whatever the rest of the file holds,
never guessed at (one stray byte in an ASCII file would otherwise have the whole file
read as Windows-1252, and that line load garbled).
"""

from __future__ import annotations

import codecs

from bot.corpus.structure import CorpusFormatError, FormatNote


def decode(raw: bytes, by_line: bool) -> tuple[str, list[CorpusFormatError | FormatNote]]:
    """The text of a file and what was wrong with its encoding.

    With ``by_line`` (JSON Lines) a line that is not UTF-8 is left blank, keeping the
    numbering of the others, and reported as an error of its own.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16's
        raise CorpusFormatError("UTF-32 text, which is not read; save it as UTF-8")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        if by_line:
            raise CorpusFormatError("UTF-16 text; JSON Lines files must be UTF-8")
        try:
            return _one_kind_of_line_end(raw.decode("utf-16")), []  # its mark gives the order
        except UnicodeDecodeError:
            raise CorpusFormatError("starts as UTF-16 text but is not valid UTF-16") from None
    if b"\x00" in raw:  # no text format writes NUL bytes
        raise CorpusFormatError("looks like a binary file, not text")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if not by_line:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # Windows', old Macs'
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        first_bad = error.start
    lines = raw.split(b"\n")
    if by_line:
        return _by_line(lines)
    if not any(not line.isascii() and _is_utf8(line) for line in lines):
        return _legacy(raw)
    note = FormatNote(f"not valid UTF-8 at byte {first_bad}; the bad bytes were replaced")
    return raw.decode("utf-8", "replace"), [note]


def _one_kind_of_line_end(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _by_line(lines: list[bytes]) -> tuple[str, list[CorpusFormatError | FormatNote]]:
    """The lines that are UTF-8; each one that is not is blank, and an error of its own."""
    texts: list[str] = []
    errors: list[CorpusFormatError | FormatNote] = []
    for number, line in enumerate(lines, 1):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            texts.append("")
            message = f"not UTF-8 text (byte {error.start} of the line)"
            errors.append(CorpusFormatError(message, number))
    return "\n".join(texts), errors


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _legacy(raw: bytes) -> tuple[str, list[CorpusFormatError | FormatNote]]:
    """The file as Windows-1252, or as Latin-1 (which reads any byte) when it has bytes
    Windows-1252 leaves undefined."""
    try:
        return raw.decode("cp1252"), [FormatNote("not UTF-8, so read as Windows-1252")]
    except UnicodeDecodeError:
        return raw.decode("latin-1"), [FormatNote("not UTF-8, so read as Latin-1")]
