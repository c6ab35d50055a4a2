"""A small reader of nginx configuration and nginx's location choice, for the proxy tests.

Enough of nginx for deploy/nginx/: directives, blocks, quotes and comments; locations
`= exact`, `^~ prefix`, `~ regex`, `~* regex` and plain prefixes, chosen as nginx
chooses (exact; else the longest prefix, kept if it is ^~; else the first matching
regex in file order; else that longest prefix). Nested locations are not used there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def first(self, name: str) -> Directive | None:
        found = self.children(name)
        return found[0] if found else None


@dataclass
class Location:
    modifier: str  # "=", "^~", "~", "~*" or "" (plain prefix)
    pattern: str
    directive: Directive
    index: int = field(default=0)

    def matches(self, uri: str) -> bool:
        if self.modifier == "=":
            return uri == self.pattern
        if self.modifier in ("", "^~"):
            return uri.startswith(self.pattern)
        flags = re.IGNORECASE if self.modifier == "~*" else 0
        return re.search(self.pattern, uri, flags) is not None


def tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"cannot read nginx config at {text[pos : pos + 30]!r}")
        pos = match.end()
        double, single, punct, word = match.groups()
        if double is not None or single is not None:
            out.append(double if double is not None else single)
        elif punct or word:
            out.append(punct or word)
    return out


def parse(text: str) -> list[Directive]:
    stream = tokens(text)
    pos = 0

    def block() -> list[Directive]:
        nonlocal pos
        items: list[Directive] = []
        words: list[str] = []
        while pos < len(stream):
            token = stream[pos]
            pos += 1
            if token == ";":
                items.append(Directive(words[0], words[1:]))
                words = []
            elif token == "{":
                items.append(Directive(words[0], words[1:], block()))
                words = []
            elif token == "}":
                assert not words, f"unterminated directive {words}"
                return items
            else:
                words.append(token)
        assert not words, f"unterminated directive {words}"
        return items

    return block()


def locations(server: Directive) -> list[Location]:
    found = []
    for index, loc in enumerate(server.children("location")):
        modifier, pattern = (loc.args[0], loc.args[1]) if len(loc.args) == 2 else ("", loc.args[0])
        found.append(Location(modifier, pattern, loc, index))
    return found


def choose(server: Directive, uri: str) -> Location | None:
    """The location nginx uses for `uri` (already normalised, without the query string)."""
    locs = locations(server)
    for loc in locs:
        if loc.modifier == "=" and loc.matches(uri):
            return loc
    prefixes = [loc for loc in locs if loc.modifier in ("", "^~") and loc.matches(uri)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for loc in locs:
        if loc.modifier in ("~", "~*") and loc.matches(uri):
            return loc
    return longest


def setting(server: Directive, loc: Location | None, name: str) -> list[str] | None:
    """A directive's arguments as they apply in the location: its own, else the server's."""
    for scope in (loc.directive if loc else None, server):
        if scope is not None and (found := scope.first(name)) is not None:
            return found.args
    return None


def seconds(value: str) -> float:
    """nginx time: 30, 30s, 5m, 1h, 1d."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value)
    assert match, f"not an nginx time: {value}"
    return int(match.group(1)) * units[match.group(2) or "s"]


def size_bytes(value: str) -> int:
    """nginx size: 1024, 128k, 1m."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"not an nginx size: {value}"
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
