"""Decodes a text file's bytes: a byte-order mark first, then UTF-8, else the legacy encoding that fits best."""

import codecs

from index.document import LoadError

# UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
_MARKS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
          (codecs.BOM_UTF8, "utf-8-sig", ""), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
          (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
# Short Western European text fits several single-byte encodings equally well, and
# charset-normalizer then picks the first it tried, cp1250 ("crčme brűlée ŕ Genčve"). Among
# encodings that fit equally well, the one most such files are written in wins.
_PREFERRED = "cp1252"
_SAMPLE = 8192


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, note): the note says which encoding was assumed when it was not UTF-8."""
    for mark, codec, name in _MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec), f"{name} text" if name else ""
            except UnicodeDecodeError:
                raise LoadError(f"starts with a {name or 'UTF-8'} byte-order mark but is not valid {name or 'UTF-8'}")
    if _looks_binary(data[:_SAMPLE]):
        raise LoadError("binary data, not text")
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return _legacy(data)


def _looks_binary(sample: bytes) -> bool:
    controls = sum(b < 9 or 13 < b < 32 for b in sample)
    return b"\x00" in sample or controls > len(sample) * 0.05


def _legacy(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise LoadError("not UTF-8, and no known text encoding fits")
    tied = [m for m in matches if m.chaos <= best.chaos + 1e-6 and m.coherence >= best.coherence - 1e-6]
    if any(_PREFERRED in m.could_be_from_charset for m in tied):
        try:
            return data.decode(_PREFERRED), f"not UTF-8; read as {_PREFERRED}"
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined: the library's own pick then
            pass
    return str(best), f"not UTF-8; read as {best.encoding}"
