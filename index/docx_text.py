"""Reads the text of a .docx in one streaming pass, refusing one that expands past the limits as it reads."""

import zipfile
import zlib
from io import BytesIO
from xml.parsers import expat

from index.document import LoadError, too_much_text

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
_TITLE = "http://purl.org/dc/elements/1.1/ title"
_BODY, _PROPERTIES = "word/document.xml", "docProps/core.xml"
_READ = 1 << 20  # decompressed bytes fed to the parser at a time
_PROPERTIES_BYTES = 1 << 20


def read_docx(data: bytes, max_chars: int, max_xml_bytes: int) -> tuple[str, str]:
    """(text, title) of a .docx: paragraphs and table rows (cells joined by " | ") in reading order.

    LoadError when the file is damaged, or as soon as it expands past `max_chars` characters of text
    or `max_xml_bytes` of XML: a few hundred KB of .docx can inflate to gigabytes.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        body = archive.getinfo(_BODY)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LoadError(f"corrupt or unreadable DOCX ({type(error).__name__})") from error
    text = _Text(max_chars)
    _parse(archive, body, max_xml_bytes, text.handlers())
    title = _Title()
    if _PROPERTIES in archive.namelist():
        _parse(archive, archive.getinfo(_PROPERTIES), _PROPERTIES_BYTES, title.handlers())
    return "\n".join(text.lines), "".join(title.pieces).strip()


def _parse(archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_bytes: int, handlers: dict) -> None:
    """Stream one XML member through expat, counting what it inflates to."""
    if member.file_size > max_bytes:
        raise LoadError(_too_big(member, max_bytes))
    parser = expat.ParserCreate(namespace_separator=" ")
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    read = 0
    try:
        with archive.open(member) as stream:
            while block := stream.read(_READ):
                read += len(block)
                if read > max_bytes:  # the header may understate the size; what inflates is what counts
                    raise LoadError(_too_big(member, max_bytes))
                parser.Parse(block, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise LoadError(f"corrupt or unreadable DOCX ({type(error).__name__})") from error


def _too_big(member: zipfile.ZipInfo, max_bytes: int) -> str:
    return f"the document's {member.filename} expands past {max_bytes // 2**20} MB of XML"


class _Text:
    """Collects paragraphs as they stream in; table cells gather their paragraphs, rows their cells."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.lines: list[str] = []
        self.pieces: list[str] = []
        self.blocks: list[str] = []  # pieces of the open paragraph already joined, a few thousand at a time
        self.cells: list[list[str]] = []  # paragraphs of each open table cell (tables nest)
        self.rows: list[list[str]] = []  # cells of each open table row
        self.in_text = False

    def handlers(self) -> dict:
        return {"StartElementHandler": self.start, "EndElementHandler": self.end, "CharacterDataHandler": self.data}

    def start(self, name: str, attributes: dict) -> None:
        tag = name.removeprefix(_W)
        if tag == "t":
            self.in_text = True
        elif tag == "tab":
            self.add("\t")
        elif tag in ("br", "cr"):
            self.add("\n")
        elif tag == "tc":
            self.cells.append([])
        elif tag == "tr":
            self.rows.append([])

    def end(self, name: str) -> None:
        tag = name.removeprefix(_W)
        if tag == "t":
            self.in_text = False
        elif tag == "p":
            self.close("".join(self.blocks + self.pieces))
            self.blocks, self.pieces = [], []
        elif tag == "tc" and self.cells:
            cell = "\n".join(self.cells.pop())
            if self.rows:
                self.rows[-1].append(cell)
        elif tag == "tr" and self.rows:
            self.close(" | ".join(self.rows.pop()))

    def data(self, piece: str) -> None:
        if self.in_text:
            self.add(piece)

    def add(self, piece: str) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            raise too_much_text(self.limit)
        self.pieces.append(piece)
        # A paragraph of millions of one-letter runs: join them a few thousand at a time, so a list
        # of small strings never outweighs the text itself.
        if len(self.pieces) > 4096:
            self.blocks.append("".join(self.pieces))
            self.pieces = []

    def close(self, text: str) -> None:
        """A finished paragraph or table row goes into the open cell, else becomes a line of its own."""
        if self.cells:
            self.cells[-1].append(text)
        elif text.strip(" |\n\t"):
            self.lines.append(text)


class _Title:
    """The dc:title of the document's core properties."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.inside = False

    def handlers(self) -> dict:
        return {"StartElementHandler": lambda name, _: self._mark(name, True),
                "EndElementHandler": lambda name: self._mark(name, False),
                "CharacterDataHandler": lambda piece: self.inside and self.pieces.append(piece)}

    def _mark(self, name: str, inside: bool) -> None:
        if name == _TITLE:
            self.inside = inside
