"""Making log text safe to hand to a model: visible controls, cut lines, redacted secrets.

Log lines come from whatever runs on the machine, so they are untrusted text (LOG-2): a
terminal escape, a carriage return or a bidi override can hide or reorder what a reader
sees, so `neutralise` turns each into a visible escape such as `\\x1b`. Logs also leak
credentials (LOG-3): `Redactor` replaces the usual shapes of secrets with `[REDACTED]`
before a line leaves the server. Redaction is pattern matching, so it is best effort, and
it leans towards hiding the value of any key that sounds secret.

Both run on every line served. A clean line costs a few substring tests (each pattern runs
only on lines holding a word it needs) and `str.isprintable`; only lines that need it are
rewritten. No line, however built, makes a pattern slower than linear: lengths are bounded
and a quoted value with no closing quote runs to the end of the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["REDACTED", "REDACTED_PEM", "Redactor", "cut", "neutralise"]

REDACTED = "[REDACTED]"
REDACTED_PEM = "[REDACTED PEM BLOCK]"

# C0 but tab and newline, DEL, C1 (with the one-character CSI U+009B), bidi controls, the
# line and paragraph separators (a line break to many renderers) and tag characters.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\U000e0000-\U000e007f]"
)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def neutralise(text: str) -> str:
    """`text` with control, bidi and tag characters shown as escapes ('\\x1b', '\\r', '\\u202e',
    '\\U000e0041'); tab, newline and everything else unchanged."""
    # Every character escaped is unprintable to Python, and most lines are all printable.
    if text.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escape, text)


def cut(text: str, max_chars: int) -> str:
    """`text` if at most `max_chars` characters long, else its first `max_chars` characters and
    ' …[line cut: N more characters]'."""
    if max_chars < 0:
        raise ValueError(f"max_chars must be 0 or more, not {max_chars}")
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]} …[line cut: {len(text) - max_chars} more characters]"


# The value of a key containing one of these words, or `auth` alone; JSON, Python reprs and
# JSON inside a JSON string quote keys and values. The lookahead lets the engine skip most
# positions on a first-character test. ASCII case rules, as for the word tests in front.
_KEY = (
    r"(?=[PpSsTtAaCc])(?i:(?:pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|authorization)[\w.-]{0,64}|\bauth)(?:\\?[\"'])?\s*[:=]\s*"
)
_VALUE = (
    r"(?:\"(?P<dq>(?:[^\"\\]|\\.)*+)\\?(?:\"|$)|'(?P<sq>[^']*+)(?:'|$)"
    r"|\\\"(?P<eq>(?:[^\"\\]|\\(?!\"))*+)(?:\\\"|(?=\")|$)"
    r"|(?i:(?:bearer|basic|digest|token)\s+)?(?P<raw>(?:[^\s,&;\"'\\]|\\(?![\"']))+))"
)
_KEY_VALUE = re.compile(_KEY + _VALUE, re.DOTALL | re.ASCII)
_KEY_VALUE_GROUPS = ("dq", "sq", "eq", "raw")
# A bare bearer token, unless the "token" is an ordinary lowercase word ("bearer tokens expire").
_BEARER = re.compile(r"(?i:\bbearer)\s+(?![a-z]+(?![\w.~+/=-]))(?P<secret>[\w.~+/-]{8,}=*)", re.ASCII)
_USERINFO = re.compile(r"://[^\s/:@]*:(?P<secret>[^\s/]+)@", re.ASCII)
_TOKEN = re.compile(
    r"(?<![\w-])(?:(?:AKIA|ASIA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"
    r"|glpat-[\w-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|[rs]k_live_[A-Za-z0-9]{16,}|AIza[\w-]{35}"
    r"|eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*)",
    re.ASCII,
)
_PEM = re.compile(r"-----(BEGIN|END) ([A-Za-z0-9 ]{1,60})-----")


def _replace_group(m: re.Match[str], names: Sequence[str]) -> str:
    """The match with the first participating group of `names` replaced (left alone if empty)."""
    for name in names:
        start, end = m.span(name)
        if start < end:
            base, text = m.start(), m.group()
            return text[: start - base] + REDACTED + text[end - base :]
        if start >= 0:
            break
    return m.group()


def _key_value(m: re.Match[str]) -> str:
    return _replace_group(m, _KEY_VALUE_GROUPS)


def _secret(m: re.Match[str]) -> str:
    return _replace_group(m, ("secret",))


def _whole(m: re.Match[str]) -> str:
    return REDACTED if m.group() else ""


class Redactor:
    """Replaces secrets by '[REDACTED]', keeping the key in key=value forms ('password=[REDACTED]').

    The defaults cover `Authorization`/bearer tokens, values of secret-sounding keys
    (`key=v`, `key: v`, `"key": "v"`), URL passwords, PEM private key blocks and the token
    shapes of AWS, GitHub, GitLab, Slack, Stripe, Google API keys and JWTs. `patterns` adds
    operator regexes: a match is replaced, or only its `secret` group if it has one.
    """

    def __init__(self, patterns: Sequence[str] = (), *, defaults: bool = True) -> None:
        self._defaults = defaults
        self._extra: list[re.Pattern[str]] = []
        for pattern in patterns:
            try:
                self._extra.append(re.compile(pattern))
            except re.error as err:
                raise ValueError(
                    f"redact pattern {pattern!r} is not a valid regular expression ({err})"
                ) from None

    def redact_line(self, line: str) -> str:
        """One line with its secrets replaced (no PEM blocks: they span lines, see `redact`)."""
        if self._defaults:
            line = _redact_defaults(line)
        for rx in self._extra:
            line = rx.sub(_secret if "secret" in rx.groupindex else _whole, line)
        return line

    def redact(self, lines: Sequence[str]) -> list[str]:
        """Redact a window of consecutive lines, same length out as in.

        Lines of a private-key PEM block, from its BEGIN marker (text before it kept) to its
        END marker (text after it kept), become '[REDACTED PEM BLOCK]'; certificates and
        public keys are kept. A window that starts inside a block (an END before any BEGIN)
        is redacted from its first line, and a block still open at the end to the last.
        """
        out = _redact_pem(lines) if self._defaults and any("-----" in line for line in lines) else lines
        if not self._extra and not (self._defaults and any(_triggers("\n".join(out)))):
            return list(out)  # one look at the whole window instead of one per line
        return [self.redact_line(line) for line in out]


def _triggers(text: str) -> tuple[bool, bool, bool, bool]:
    """Which default patterns could match in `text` (key=value, bearer, URL password, token shapes).

    A pattern runs only on text holding a word it cannot match without: these
    substring tests cost about a microsecond a line, a pattern's search several.
    """
    low = text.lower()
    key_value = any(word in low for word in ("pass", "pwd", "secret", "token", "key", "auth", "credential"))
    tokens = (
        "eyJ" in text
        or "xox" in text
        or "glpat-" in text
        or "_live_" in text
        or "github_pat_" in text
        or ("gh" in text and any(p in text for p in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")))
        or ("A" in text and ("AKIA" in text or "ASIA" in text or "AIza" in text))
    )
    return key_value, "bearer" in low, "://" in text and "@" in text, tokens


def _redact_defaults(line: str) -> str:
    key_value, bearer, userinfo, tokens = _triggers(line)
    if key_value:
        line = _KEY_VALUE.sub(_key_value, line)
    if bearer:
        line = _BEARER.sub(_secret, line)
    if userinfo:
        line = _USERINFO.sub(_secret, line)
    if tokens:
        line = _TOKEN.sub(REDACTED, line)
    return line


def _secret_label(label: str) -> bool:
    upper = label.upper()
    return "PRIVATE" in upper or "SECRET" in upper or "STATIC KEY" in upper


def _redact_pem(lines: Sequence[str]) -> list[str]:
    markers = (
        m for line in lines if "-----" in line for m in _PEM.finditer(line) if _secret_label(m.group(2))
    )
    first = next(markers, None)
    inside = first is not None and first.group(1) == "END"
    out: list[str] = []
    for line in lines:
        if "-----" not in line:
            out.append(REDACTED_PEM if inside else line)
            continue
        pieces, kept_from = [], 0
        for m in _PEM.finditer(line):
            if not _secret_label(m.group(2)):
                continue
            if m.group(1) == "BEGIN" and not inside:
                pieces.append(line[kept_from : m.start()])
                inside = True
            elif m.group(1) == "END" and inside:
                pieces.append(REDACTED_PEM)
                kept_from, inside = m.end(), False
        pieces.append(REDACTED_PEM if inside else line[kept_from:])
        out.append("".join(pieces))
    return out
