"""LOG-2 and LOG-3 on log text: control characters made visible, long lines cut, secrets redacted."""

from __future__ import annotations

import time

import pytest

from mcp_resources.builtins.logs.clean import REDACTED, REDACTED_PEM, Redactor, cut, neutralise

ESCAPED = [
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x2028, 0x202F),
    *range(0x2066, 0x206A),
    *range(0xE0000, 0xE0080),
]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("progress 10%\rprogress 100%", "progress 10%\\rprogress 100%"),
        ("bell\x07 nul\x00 del\x7f", "bell\\x07 nul\\x00 del\\x7f"),
        ("\x9b2J one-character CSI, \x85 next line", "\\x9b2J one-character CSI, \\x85 next line"),
        ("user \u202eexe.txt", "user \\u202eexe.txt"),
        ("\u2066isolate\u2069 \u200emark \u061c", "\\u2066isolate\\u2069 \\u200emark \\u061c"),
        ("tag \U000e0041\U000e007f", "tag \\U000e0041\\U000e007f"),
        ("line\u2028separator", "line\\u2028separator"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("héllo ✓ 日本語 🙂 \u200bzero width stays", "héllo ✓ 日本語 🙂 \u200bzero width stays"),
        ("", ""),
    ],
)
def test_neutralise(text: str, shown: str) -> None:
    assert neutralise(text) == shown


def test_neutralise_escapes_every_listed_character() -> None:
    text = "".join(map(chr, ESCAPED))
    shown = neutralise("a" + text + "b")
    assert shown.startswith("a\\x00\\x01") and shown.endswith("\\U000e007fb")
    assert not set(shown) & set(text)
    assert shown.isascii()


def test_neutralise_returns_clean_text_itself() -> None:
    text = "2024-05-01 12:00:00 INFO nothing to escape here"
    assert neutralise(text) is text


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("0123456789abc", 10, "0123456789 …[line cut: 3 more characters]"),
        ("abc", 0, " …[line cut: 3 more characters]"),
        ("日本語テキスト", 3, "日本語 …[line cut: 4 more characters]"),
    ],
)
def test_cut(text: str, max_chars: int, expected: str) -> None:
    assert cut(text, max_chars) == expected


def test_cut_refuses_a_negative_length() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        cut("x", -1)


def redact(line: str) -> str:
    return Redactor().redact([line])[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Authorization headers and bearer tokens
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer [REDACTED]"),
        ("authorization=bearer abc", "authorization=bearer [REDACTED]"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"),
        ("Proxy-Authorization: Digest x", "Proxy-Authorization: Digest [REDACTED]"),
        ('"authorization": "Bearer x y"', '"authorization": "[REDACTED]"'),
        ("calling api with bearer tok_abcdef123", "calling api with bearer [REDACTED]"),
        ("BEARER ABCDEFGHIJKLMN", "BEARER [REDACTED]"),
        # key=value, key: value and JSON forms
        ("password=hunter2&user=bob", "password=[REDACTED]&user=bob"),
        ("PASSWORD = hunter2", "PASSWORD = [REDACTED]"),
        ("db_password: s3cr3t, retry=3", "db_password: [REDACTED], retry=3"),
        ("passwd=x;pwd=y", "passwd=[REDACTED];pwd=[REDACTED]"),
        ("passphrase='correct horse'", "passphrase='[REDACTED]'"),
        ('{"password": "hun\\"ter 2", "user": "bob"}', '{"password": "[REDACTED]", "user": "bob"}'),
        ("{'api_key': 'abcd1234'}", "{'api_key': '[REDACTED]'}"),
        ("x-api-key: k1 apikey=k2 API_KEY=k3", "x-api-key: [REDACTED] apikey=[REDACTED] API_KEY=[REDACTED]"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key=[REDACTED]"),
        ("access_key=AK1 private_key=PK2", "access_key=[REDACTED] private_key=[REDACTED]"),
        ("client_secret=abc;other=1", "client_secret=[REDACTED];other=1"),
        ("?access_token=xyz&state=1", "?access_token=[REDACTED]&state=1"),
        ("refresh_token: r1", "refresh_token: [REDACTED]"),
        ("auth=xyz author=bob", "auth=[REDACTED] author=bob"),
        ("credentials: foo", "credentials: [REDACTED]"),
        ('msg="{\\"token\\": \\"abc123\\"}"', 'msg="{\\"token\\": \\"[REDACTED]\\"}"'),
        ('password="never closed', 'password="[REDACTED]'),
        ("secret=C:\\keys\\a b", "secret=[REDACTED] b"),
        # URL passwords
        ("GET https://user:pass@host/path", "GET https://user:[REDACTED]@host/path"),
        ("postgres://app:p@ss:w0rd@db.internal:5432/prod", "postgres://app:[REDACTED]@db.internal:5432/prod"),
        ("redis://:hunter2@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
        # token shapes
        ("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED] used"),
        ("session ASIAY34FZKBOKMUTVV7A", "session [REDACTED]"),
        ("ghp_" + "a1" * 18, REDACTED),
        ("token ghs_" + "B" * 36 + ".", "token [REDACTED]."),
        ("github_pat_11ABCDEFG0" + "x" * 72, REDACTED),
        ("glpat-" + "Ab1_" * 5, REDACTED),
        ("slack xoxb-123456789012-1234567890123-AbCdEf", "slack [REDACTED]"),
        ("xoxp-1234567890-x", REDACTED),
        ("stripe sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe [REDACTED]"),
        ("rk_live_" + "a" * 24, REDACTED),
        ("maps AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", "maps [REDACTED]"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
            "jwt [REDACTED] ok",
        ),
    ],
)
def test_redacts(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "token bucket refilled",
        "password reset email sent to user 42",
        "bearer tokens expire after an hour",
        "Bearer short",
        "the secret of good logging is restraint",
        "author=bob monkey=1 keyboard=us",
        "authentication succeeded for user 42",
        "oauth flow started",
        "https://example.com:8443/path@v2",
        "http://host/a?user=x@y",
        "AKIA_not_a_key AKIAshort",
        "ghp_short glpat-short xoxq-123456789012",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "AIzaTooShort",
        "eyJhbGciOiJIUzI1NiJ9 alone",
        '{"password": ""}',
        "password=",
        "2024-05-01 12:00:00,123 INFO app.worker - processed 10 items in 12 ms",
    ],
)
def test_leaves_ordinary_text(line: str) -> None:
    assert redact(line) == line


def test_operator_patterns() -> None:
    redactor = Redactor([r"customer-\d{6}", r"ssn=(?P<secret>\d{3}-\d{2}-\d{4})", r"x*"])
    lines = ["order for customer-123456 shipped", "ssn=123-45-6789 on file", "password=p", "plain"]
    assert redactor.redact(lines) == [
        "order for [REDACTED] shipped",
        "ssn=[REDACTED] on file",
        "password=[REDACTED]",
        "plain",  # a pattern matching the empty string changes nothing
    ]
    assert redactor.redact_line("customer-654321") == REDACTED


def test_defaults_can_be_turned_off() -> None:
    redactor = Redactor([r"hunter\d"], defaults=False)
    lines = ["password=abc hunter2", "-----BEGIN PRIVATE KEY-----", "MIIE", "-----END PRIVATE KEY-----"]
    assert redactor.redact(lines) == ["password=abc [REDACTED]", *lines[1:]]
    assert Redactor(defaults=False).redact(lines) == lines


@pytest.mark.parametrize("pattern", ["(unclosed", "*", "(?P<secret>a)(?P<secret>b)"])
def test_bad_operator_pattern(pattern: str) -> None:
    with pytest.raises(ValueError, match="redact pattern") as caught:
        Redactor(["fine", pattern])
    assert repr(pattern) in str(caught.value)
    assert "\n" not in str(caught.value)


KEY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dV",
]


def test_pem_block_whole_in_the_window() -> None:
    lines = [
        "starting",
        "key: -----BEGIN RSA PRIVATE KEY-----",
        *KEY,
        "-----END RSA PRIVATE KEY----- (loaded)",
        "done",
    ]
    assert Redactor().redact(lines) == [
        "starting",
        "key: " + REDACTED_PEM,
        REDACTED_PEM,
        REDACTED_PEM,
        REDACTED_PEM + " (loaded)",
        "done",
    ]


def test_pem_window_starting_inside_a_block() -> None:
    lines = [*KEY, "-----END OPENSSH PRIVATE KEY-----", "after"]
    assert Redactor().redact(lines) == [REDACTED_PEM, REDACTED_PEM, REDACTED_PEM, "after"]


def test_pem_block_open_at_the_end_of_the_window() -> None:
    lines = ["before", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "", *KEY]
    assert Redactor().redact(lines) == ["before", REDACTED_PEM, REDACTED_PEM, REDACTED_PEM, REDACTED_PEM]


def test_pem_on_one_line_and_other_kinds() -> None:
    one = '{"pem": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE\\n-----END EC PRIVATE KEY-----\\n", "id": 1}'
    assert redact(one) == '{"pem": "' + REDACTED_PEM + '\\n", "id": 1}'
    encrypted = ["-----BEGIN ENCRYPTED PRIVATE KEY-----", "abc", "-----END ENCRYPTED PRIVATE KEY-----"]
    assert Redactor().redact(encrypted) == [REDACTED_PEM] * 3


def test_certificates_and_public_keys_are_kept() -> None:
    lines = [
        "-----BEGIN CERTIFICATE-----",
        "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq",
        "-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        "-----END PUBLIC KEY-----",
        "---------- a separator line ----------",
    ]
    assert Redactor().redact(lines) == lines


def test_redact_keeps_the_window_length() -> None:
    lines = ["a", "-----END PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----", "b"]
    out = Redactor().redact(lines)
    assert out == [REDACTED_PEM, REDACTED_PEM, REDACTED_PEM, REDACTED_PEM]
    assert lines == ["a", "-----END PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----", "b"]  # not changed
    assert Redactor().redact([]) == []


NASTY = [
    'pwd="\\"' * 20_000,
    'pwd=\\"a' * 20_000,
    "passwordpassword" * 10_000,
    ("password" + " " * 100) * 1500,
    "-eyJ" * 40_000,
    "glpat-" * 25_000,
    "://a:" * 30_000,
    "bearer " * 20_000,
    "\x1b" * 100_000,
]


def test_hostile_lines_take_linear_time() -> None:
    started = time.perf_counter()
    out = Redactor().redact(NASTY)
    for line in out:
        neutralise(line)
    # Quadratic patterns took minutes on these; linear ones take well under a second.
    assert time.perf_counter() - started < 5
    assert len(out) == len(NASTY)
