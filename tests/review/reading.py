"""Reading a review back the way a browser would: its marks, its table rows and its plain text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Mark:
    attrs: dict[str, str]
    text: str = ""

    @property
    def span(self) -> tuple[int, int]:
        return int(self.attrs["data-start"]), int(self.attrs["data-end"])

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Reader(HTMLParser):
    """Every tag seen, the text inside ``<pre class="gr-text">`` (entities decoded), its marks and the
    table's rows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.shown = ""
        self.marks: list[Mark] = []
        self.rows: list[Row] = []
        self.style = ""
        self._in_text = self._in_cell = self._in_style = False
        self._mark: Mark | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        if tag == "pre" and "gr-text" in found.get("class", ""):
            self._in_text = True
        elif tag == "mark" and self._in_text:
            self._mark = Mark(found)
        elif tag == "tr" and "data-pointer" in found:
            self.rows.append(Row(found))
        elif tag == "td" and self.rows:
            self.rows[-1].cells.append("")
            self._in_cell = True
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_text = False
        elif tag == "mark" and self._mark is not None:
            self.marks.append(self._mark)
            self._mark = None
        elif tag == "td":
            self._in_cell = False
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_text:
            self.shown += data
            if self._mark is not None:
                self._mark.text += data
        if self._in_cell:
            self.rows[-1].cells[-1] += data
        if self._in_style:
            self.style += data

    def row(self, pointer: str) -> Row:
        return next(row for row in self.rows if row.attrs["data-pointer"] == pointer)

    def marks_of(self, pointer: str) -> list[Mark]:
        return [mark for mark in self.marks if mark.attrs["data-pointer"] == pointer]
