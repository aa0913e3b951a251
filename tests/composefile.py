"""docker-compose.yml read without PyYAML (which the lock does not have): the block style the
file is written in, with flow lists and mappings on one line, quoted and plain scalars, block
scalars, anchors and aliases. Scalars stay strings. Anything else raises, so the file cannot
drift past what the tests read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_MAPPING_ITEM = re.compile(r"^[^\s\"'\[{#&*!|>-][^:]*:(\s|$)")


def load_compose(path: Path = ROOT / "docker-compose.yml") -> dict:
    return _Reader(path.read_text()).document()


def _without_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'" and (index == 0 or line[index - 1] in " [{,:-"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] == " "):
            return line[:index].rstrip()
    return line.rstrip()


class _Reader:
    def __init__(self, text: str) -> None:
        self.raw = text.splitlines()
        self.lines = []  # (indent, content, number)
        for number, line in enumerate(self.raw, 1):
            content = _without_comment(line)
            if content.strip():
                self.lines.append((len(content) - len(content.lstrip()), content.strip(), number))
        self.anchors: dict[str, object] = {}
        self.at = 0

    def document(self) -> dict:
        value = self._block(0)
        if self.at != len(self.lines):
            self._refuse("unexpected indentation")
        return value

    def _refuse(self, why: str):
        number = self.lines[min(self.at, len(self.lines) - 1)][2]
        raise ValueError(f"docker-compose.yml line {number}: {why}")

    def _block(self, indent: int):
        content = self.lines[self.at][1]
        if content == "-" or content.startswith("- "):
            return self._sequence(indent)
        return self._mapping(indent)

    def _mapping(self, indent: int) -> dict:
        mapping: dict = {}
        while self.at < len(self.lines) and self.lines[self.at][0] == indent:
            content = self.lines[self.at][1]
            if content.startswith("- ") or not _MAPPING_ITEM.match(content):
                break
            key, rest = (part.strip() for part in content.split(":", 1))
            key = _scalar(key)
            if key in mapping:
                self._refuse(f"{key} appears twice")
            self.at += 1
            anchor = None
            if rest.startswith("&"):
                anchor, _, rest = rest[1:].partition(" ")
                rest = rest.strip()
            if rest.startswith("*"):
                value = self.anchors[rest[1:]]
            elif rest in {">", ">-", "|", "|-"}:
                value = self._block_scalar(indent, folded=rest.startswith(">"))
            elif rest:
                value = self._inline(rest)
            elif self.at < len(self.lines) and self.lines[self.at][0] > indent:
                value = self._block(self.lines[self.at][0])
            else:
                value = None
            if anchor:
                self.anchors[anchor] = value
            mapping[key] = value
        return mapping

    def _sequence(self, indent: int) -> list:
        items = []
        while self.at < len(self.lines) and self.lines[self.at][0] == indent:
            content = self.lines[self.at][1]
            if not content.startswith("- "):
                break
            item = content[2:].strip()
            if _MAPPING_ITEM.match(item):
                # "- key: value" opens a mapping indented past the dash.
                self.lines[self.at] = (indent + 2, item, self.lines[self.at][2])
                items.append(self._mapping(indent + 2))
            else:
                self.at += 1
                items.append(self._inline(item))
        return items

    def _block_scalar(self, indent: int, *, folded: bool) -> str:
        parts = []
        while self.at < len(self.lines) and self.lines[self.at][0] > indent:
            parts.append(self.lines[self.at][1])
            self.at += 1
        return (" " if folded else "\n").join(parts)

    def _inline(self, text: str):
        if text.startswith("*"):
            return self.anchors[text[1:]]
        if text[0] in "[{":
            value, end = _flow(text, 0)
            if text[end:].strip():
                self._refuse(f"unexpected text after {text[:end]}")
            return value
        return _scalar(text)


def _scalar(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r'\\(["\\])', r"\1", text[1:-1])
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text[0] in "\"'&!|>%@`":
        raise ValueError(f"docker-compose.yml: a scalar these tests cannot read: {text}")
    return text


def _flow(text: str, at: int):
    """A flow list or mapping starting at text[at]: (value, index after it)."""
    closing = "]" if text[at] == "[" else "}"
    items: list = []
    at += 1
    while True:
        at = _skip_spaces(text, at)
        if text[at] == closing:
            at += 1
            break
        if text[at] in "[{":
            value, at = _flow(text, at)
        else:
            end = at
            quote = text[at] if text[at] in "\"'" else None
            if quote:
                end = text.index(quote, at + 1) + 1
            while end < len(text) and text[end] not in ",]}":
                if closing == "}" and text[end] == ":" and not quote:
                    break
                end += 1
            value = _scalar(text[at:end].strip())
            at = end
        at = _skip_spaces(text, at)
        if closing == "}" and text[at] == ":":
            key = value
            at = _skip_spaces(text, at + 1)
            if text[at] in "[{":
                value, at = _flow(text, at)
            else:
                end = at
                while text[end] not in ",}":
                    end += 1
                value, at = _scalar(text[at:end].strip()), end
            items.append((key, value))
        else:
            items.append(value)
        at = _skip_spaces(text, at)
        if text[at] == ",":
            at += 1
    return (dict(items) if closing == "}" else items), at


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] == " ":
        at += 1
    return at
