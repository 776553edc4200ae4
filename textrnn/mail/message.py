"""One e-mail message (its raw bytes) → `Subject: <subject> <body>`, the text a spam model reads.

The same steps that built the `email_spam` corpus (../shared/corpora/MANIFEST.md), so a model sees
a user's mail as it saw its training mail:

- parse with Python's standard `email` package (the compat32 policy: it never raises on a
  malformed message, it records defects);
- the Subject header with RFC 2047 encoded words decoded (raw 8-bit bytes as UTF-8, else cp1252);
- the body: every text/plain part that is not an attachment, quoted-printable / base64 decoded, in
  its declared charset (undecodable bytes → U+FFFD; no or unknown charset label: UTF-8, else
  cp1252); if no text/plain part has text, the text/html parts reduced to text (comments,
  `<script>` and `<style>` dropped, a tag becomes a space, entities unescaped);
- control characters become spaces and whitespace runs one space.

Attachments are skipped (their bytes are never decoded), and at most `MAX_CHARS` characters are kept:
the model reads a few thousand at most.
"""

from __future__ import annotations

import codecs
import re
from email import message_from_bytes
from email.header import decode_header
from email.policy import compat32
from html.parser import HTMLParser

MAX_CHARS = 100_000   # characters kept per message (subject and body)
MAX_DEPTH = 100       # multipart nesting read at most; deeper parts are skipped
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class NotAMail(ValueError):
    """The bytes are not an e-mail message; the message says why."""


def mail_text(data: bytes) -> tuple[str, str]:
    """Raw message bytes → (subject, text), text being `Subject: <subject> <body>` on one line.

    Raises NotAMail for an empty or binary file, or one with no mail headers.
    """
    if not data.strip():
        raise NotAMail("is empty")
    header_end = re.search(rb"\r?\n\r?\n", data)
    if b"\0" in data[: header_end.start() if header_end else 65536]:
        raise NotAMail("contains NUL bytes: a binary file, not an e-mail")
    try:
        msg = message_from_bytes(data, policy=compat32)
    except RecursionError:
        raise NotAMail(f"is nested more than {MAX_DEPTH} levels deep") from None
    if not msg.keys():
        raise NotAMail("has no mail headers (an e-mail starts with lines such as `From: …` and `Subject: …`)")
    subject = clean(header_text(msg.get("Subject", "")))
    body = clean(body_text(msg))
    return subject, clean(f"Subject: {subject} {body}")[:MAX_CHARS]


def clean(text: str) -> str:
    """Control characters → spaces; whitespace runs (Unicode line separators included) → one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def header_text(value) -> str:
    """A header's value with RFC 2047 encoded words decoded; never raises."""
    value = str(value)
    if any("\udc80" <= c <= "\udcff" for c in value):   # raw 8-bit bytes, kept by the parser as surrogates
        return decode_bytes(value.encode("ascii", "surrogateescape"), None)
    try:
        parts = decode_header(value)
    except Exception:   # a malformed encoded word: the header as written
        return value
    return "".join(decode_bytes(v, cs) if isinstance(v, bytes) else v for v, cs in parts)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the declared `charset`; no or unknown label: UTF-8, else cp1252; bad bytes → U+FFFD."""
    if charset:
        try:
            if codecs.lookup(charset)._is_text_encoding:
                return data.decode(charset, errors="replace")
        except (LookupError, ValueError, TypeError):
            pass   # an invalid label such as `x-unknown` or `utf-8"`
        except Exception:   # a codec that fails on these bytes in its own way
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def body_text(msg) -> str:
    """The text/plain parts that are not attachments; if they hold no text, the text/html parts as text."""
    plain, html = [], []
    for part in leaf_parts(msg):
        if (part.get_content_disposition() or "") == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(part_text(part))
        elif kind == "text/html":
            html.append(part_text(part))
    text = " ".join(plain)
    if not text.strip():
        text = " ".join(html_to_text(h) for h in html)
    return text


def leaf_parts(msg):
    """The non-multipart parts of a message, depth first, without recursion (nesting is not bounded
    by the sender), skipping anything nested deeper than MAX_DEPTH."""
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if not part.is_multipart():
            yield part
            continue
        if depth < MAX_DEPTH:
            payload = part.get_payload()
            if isinstance(payload, list):
                stack += [(p, depth + 1) for p in reversed(payload)]


def part_text(part) -> str:
    """A leaf part's payload: transfer encoding (quoted-printable, base64) undone, then charset decoded."""
    try:
        data = part.get_payload(decode=True)
    except Exception:   # a transfer encoding the parser cannot undo: the payload as written
        data = None
    if data is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return decode_bytes(data, part.get_content_charset())


class _HTMLText(HTMLParser):
    """Text of an HTML document: tags become spaces; comments, scripts and styles are dropped."""

    SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP
        self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        self.out.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:   # HTMLParser is lenient; anything it still rejects leaves what it had read
        pass
    return "".join(parser.out)
