"""Slash commands in PR comments: markdown-aware parsing, pure (no GitHub, no state).

Commands written inside fenced or inline code, block quotes (quoted replies) or HTML comments
are ignored, so quoting someone's `/blindspot approve` never approves anything
(research/peers.md §4: triagebot and others fired commands from quoted text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "/blindspot"
VERBS = ("approve", "rereview", "explain", "help")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_QUOTE = re.compile(r"^ {0,3}>")
_COMMAND = re.compile(r"^\s*/blindspot(?:\s+(?P<rest>.*))?$", re.I)


@dataclass(frozen=True)
class Command:
    verb: str
    args: tuple[str, ...] = ()
    reason: str = ""
    line: str = ""
    """The command line as written (identity for "was this already in the old text?")."""
    error: str = ""
    """Set when the line addressed the bot but could not be understood."""

    @property
    def ok(self) -> bool:
        return not self.error


def visible_lines(body: str) -> list[str]:
    """Lines of `body` outside code fences, quotes and HTML comments, inline code blanked."""
    body = _HTML_COMMENT.sub(" ", body.replace("\r\n", "\n"))
    out: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        if _QUOTE.match(line) or line.startswith("    ") or line.startswith("\t"):
            continue  # quoted reply, or an indented code block
        out.append(_INLINE_CODE.sub(" ", line))
    return out


def parse_commands(body: str) -> list[Command]:
    """Every command in `body`, in order; each distinct command line counts once."""
    seen: set[str] = set()
    out: list[Command] = []
    for line in visible_lines(body):
        m = _COMMAND.match(line)
        if not m:
            continue
        key = " ".join(line.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(_parse_one(m.group("rest") or "", key))
    return out


def new_commands(old_body: str, new_body: str) -> list[Command]:
    """Commands in an edited comment that were not in its previous text (each runs once)."""
    before = {c.line for c in parse_commands(old_body)}
    return [c for c in parse_commands(new_body) if c.line not in before]


def _parse_one(rest: str, line: str) -> Command:
    text, _, reason = rest.partition(" -- ")
    if rest.rstrip().endswith(" --"):
        text = rest.rstrip()[:-3]
    words = text.split()
    if not words:
        return Command("help", line=line)
    verb = words[0].lower()
    args = tuple(words[1:])
    if verb not in VERBS:
        return Command(verb, args, line=line, error=f"unknown command `{verb}`; try `/blindspot help`")
    if verb == "explain" and len(args) != 1:
        return Command(verb, args, line=line, error="`explain` takes one finding id, e.g. `BS-1a2b3c4`")
    if verb == "approve" and not args:
        return Command(verb, args, line=line,
                       error="`approve` needs `all` or finding ids, e.g. `/blindspot approve all -- reviewed`")
    if verb in ("rereview", "help") and args:
        return Command(verb, args, line=line, error=f"`{verb}` takes no arguments")
    return Command(verb, args, reason.strip(), line=line)
