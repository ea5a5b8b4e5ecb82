"""What a login page says, read without a browser: its title, its visible text, a password field and its form's target.

The `http` probe quotes maintenance sentences and reports whether the page is a login
form at all; both need the words a user would see, not the markup, scripts or styles.
Parsing is lenient (`html.parser`): a broken page still yields its text.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from html.parser import HTMLParser

from pydantic import BaseModel

_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul", "title", "button", "label", "option",
})


class PageText(BaseModel):
    """The parts of a page the probes reason about."""

    title: str | None = None
    text: str = ""
    has_password_field: bool = False
    password_form_action: str | None = None  # the `action` of the first password field's form ("" = the page itself)


def read_page(html: str) -> PageText:
    """Title, visible text (one block per line), whether an `<input type="password">` is present, and where it posts."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "\n".join(line for line in ("".join(parser.chunks)).splitlines() if line.strip())
    title = " ".join("".join(parser.title).split()) or None
    return PageText(title=title, text=text, has_password_field=parser.password, password_form_action=parser.action)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.title: list[str] = []
        self.password = False
        self.action: str | None = None
        self._form_action: str | None = None
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self._form_action = next(((v or "").strip() for k, v in attrs if k == "action"), "")
        if tag == "input" and any(k == "type" and (v or "").strip().lower() == "password" for k, v in attrs):
            if not self.password:
                # a field outside any <form> counts as posting to the page itself
                self.action = self._form_action if self._form_action is not None else ""
            self.password = True
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden += 1
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form_action = None
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.chunks.append(data)
