"""MDX (Markdown with JSX) -> plain Markdown plus entry markers, before markdown-it reads it.

Docs sites write changelogs as `<Update label="2026-08-14">` ... `</Update>` components and
callouts as `<Note>` ... `</Note>`, indented inside the component, with `import`/`export`
lines and `{/* comments */}` around them. CommonMark would swallow a component's first lines
into an HTML block (and read deep indentation as code), so:
- `import ... from`/`export ...` lines and `{/* ... */}` comments are dropped;
- a component's own open/close lines become blank lines, and its body is dedented;
- an open tag with a date-valued attribute (`label`, `date`, `title`, ...; a month such as
  "April 2024" too, which then only lends its year to year-less days) starts a dated
  entry: it becomes an `<!-- sunset:entry DATE -->` marker, and its close tag an
  `<!-- sunset:entry-end -->` marker, which the Markdown parser turns into `Notice.published`.
Code fences are left alone.
"""

from __future__ import annotations

import re

_IMPORT = re.compile(
    r"^\s*(?:import\s.+\sfrom\s|import\s+['\"]|export\s+(?:const|default|function)\b)"
)
_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_OPEN = re.compile(
    r"^(\s*)<([A-Z][\w.]*)((?:\s+[\w:-]+(?:=(?:\"[^\"]*\"|'[^']*'|\{[^}]*\}))?)*)\s*>\s*$"
)
_SELF_CLOSING = re.compile(r"^\s*<[A-Z][\w.]*(?:\s[^>]*)?/>\s*$")
_CLOSE = re.compile(r"^(\s*)</([A-Z][\w.]*)\s*>\s*$")
_ATTR = re.compile(r"([\w:-]+)=(?:\"([^\"]*)\"|'([^']*)')")
_DATE_VALUE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|"
    r"\d{1,2} [A-Za-z]{3,9}\.?,? \d{4}|[A-Za-z]{3,9}\.? \d{4})\s*$"
)
_FENCE = re.compile(r"^\s*(```|~~~)")
ENTRY_START = "<!-- sunset:entry "
ENTRY_END = "<!-- sunset:entry-end -->"


def looks_like_mdx(text: str) -> bool:
    return bool(re.search(r"^\s*</?[A-Z][\w.]*[\s>/]", text, re.MULTILINE))


def _entry_date(attrs: str) -> str | None:
    for _name, double, single in _ATTR.findall(attrs):
        value = double or single
        if _DATE_VALUE.match(value):
            return value.strip()
    return None


def mdx_to_markdown(text: str) -> str:
    """The MDX source as CommonMark with entry markers (see the module docstring)."""
    text = _COMMENT.sub("", text)
    out: list[str] = []
    stack: list[tuple[str, int, bool]] = []  # (component, its indentation, is a dated entry)
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            out.append(_dedent(line, stack))
            continue
        if _IMPORT.match(line) or _SELF_CLOSING.match(line):
            out.append("")
            continue
        opened = _OPEN.match(line)
        if opened:
            date = _entry_date(opened.group(3))
            stack.append((opened.group(2), len(opened.group(1)), date is not None))
            out.extend(["", f"{ENTRY_START}{date} -->", ""] if date else [""])
            continue
        closed = _CLOSE.match(line)
        if closed and any(name == closed.group(2) for name, _, _ in stack):
            while stack:
                name, _, dated = stack.pop()
                if dated:
                    out.extend(["", ENTRY_END, ""])
                if name == closed.group(2):
                    break
            out.append("")
            continue
        out.append(_dedent(line, stack))
    return "\n".join(out)


def _dedent(line: str, stack: list[tuple[str, int, bool]]) -> str:
    """Remove the indentation a component body adds (its tag's indent plus one step)."""
    if not stack:
        return line
    depth = stack[-1][1] + 2 * len(stack)
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(depth, stripped) :]
