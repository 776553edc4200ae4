"""One e-mail message (its raw bytes) → `Subject: <subject> <body>`, the text a spam model reads.

The same steps that built the `email_spam` corpus (../shared/corpora/MANIFEST.md), so a model sees
a user's mail as it saw its training mail:

- parse with Python's standard `email` package (the compat32 policy: it never raises on a
  malformed message, it records defects);
- the Subject header with RFC 2047 encoded words decoded (raw 8-bit bytes as UTF-8, else cp1252);
- the body: every text/plain part that is not an attachment, quoted-printable / base64 decoded, in
  its declared charset (undecodable bytes → U+FFFD; no or unknown charset label: UTF-8, else
  cp1252); a malformed Content-Type such as `text/plain charset=…` counts as text/plain;
  if no text/plain part has text, the text/html parts reduced to text (comments,
  `<script>` and `<style>` dropped, a tag becomes a space, entities unescaped); if still none,
  a multipart part whose boundary is missing, read the same way as HTML;
- control characters become spaces and whitespace runs one space.

Attachments are skipped (their bytes are never decoded), and at most `MAX_CHARS` characters are kept:
the model reads a few thousand at most. Every step is linear in the size of the message (HTML is
stripped by scanning, not with a backtracking regex or `html.parser`, which are quadratic on
unclosed `<` or `<!--`), so a crafted message cannot stall a run.
"""

from __future__ import annotations

import codecs
import re
from email import message_from_bytes
from email.header import decode_header
from email.policy import compat32
from html import unescape

MAX_CHARS = 100_000   # characters kept per message (subject and body)
MAX_DEPTH = 100       # multipart nesting read at most; deeper parts are skipped
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MIME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+/[a-z0-9!#$%&'*+.^_`|~-]+")   # a type/subtype token pair


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
    except RecursionError:   # the parser recurses once per nested multipart part
        raise NotAMail("has multipart parts nested too deeply to parse") from None
    if not msg.keys():
        raise NotAMail("has no mail headers (an e-mail starts with lines such as `From: …` and `Subject: …`)")
    # raw_items, not msg["Subject"]: compat32 turns a header with raw 8-bit bytes into a Header
    # object whose str() has already replaced those bytes with U+FFFD.
    raw_subject = next((v for k, v in msg.raw_items() if k.lower() == "subject"), "")
    subject = clean(header_text(raw_subject), MAX_CHARS)
    return subject, clean(f"Subject: {subject} {body_text(msg)}", MAX_CHARS)


def clean(text: str, limit: int | None = None) -> str:
    """Control characters → spaces; whitespace runs (Unicode line separators included) → one space;
    at most `limit` characters of the result (only as much of `text` is read as that needs)."""
    if limit is None:
        return " ".join(_CONTROL.sub(" ", text).split())
    n = 2 * limit
    while True:
        # clean(text[:n]) is a prefix of clean(text), so once it is `limit` long it is the answer
        out = clean(text[:n])
        if len(out) >= limit or n >= len(text):
            return out[:limit]
        n *= 4


def header_text(value) -> str:
    """A header's raw value (raw 8-bit bytes kept as surrogates, as the parser reads them) with RFC 2047
    encoded words decoded; raw 8-bit bytes as UTF-8, else cp1252; never raises."""
    value = str(value or "")
    if any("\udc80" <= c <= "\udcff" for c in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:   # a malformed encoded word: the header as written
        return value
    # decode_header gives the text between encoded words as bytes with charset None, encoded with
    # raw-unicode-escape (its way of carrying any str through bytes)
    return "".join(v if isinstance(v, str) else v.decode("raw-unicode-escape", errors="replace") if cs is None
                   else decode_bytes(v, cs) for v, cs in parts)


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
    """The text/plain parts that are not attachments; if they hold no text, the text/html parts as text;
    if still none, multipart parts left unsplit (their boundary missing or never found) as HTML."""
    plain, html, broken = [], [], []
    for part in leaf_parts(msg):
        if (part.get_content_disposition() or "") == "attachment":
            continue
        m = _MIME.match(part.get_content_type())
        kind = m.group(0) if m else "text/plain"   # `text/plain charset=…` (no `;`) is text/plain
        if kind == "text/plain":
            plain.append(part_text(part))
        elif kind == "text/html":
            html.append(part_text(part))
        elif kind.startswith("multipart/"):   # a leaf only when the parser could not split it
            broken.append(part_text(part))
    text = " ".join(plain)
    if not text.split():
        text = " ".join(html_to_text(h) for h in html)
    if not text.split():
        text = " ".join(html_to_text(b) for b in broken)
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
    try:
        charset = part.get_content_charset()
    except Exception:   # an RFC 2231 `charset*=` naming a codec Python rejects outright (a NUL in it)
        charset = None
    return decode_bytes(data, charset)


_SKIP_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_SKIP_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}


def html_to_text(html: str) -> str:
    r"""Text of an HTML document: comments, then `<script>`/`<style>` elements, then tags each become a
    space; entities unescaped. The same result as the corpus's regexes (`<!--.*?-->`,
    `<(script|style)\b.*?</\1\s*>`, `<[^>]*>`), found by scanning so that it stays linear."""
    return unescape(_cut(_drop_elements(_cut(html, "<!--", "-->")), "<", ">"))


def _cut(text: str, start: str, end: str) -> str:
    """Each `start … end` span (shortest, leftmost first) → one space. Once a `start` has no `end`
    after it, no later one has: stop there instead of rescanning (what makes a regex quadratic)."""
    out, pos = [], 0
    while (i := text.find(start, pos)) >= 0 and (j := text.find(end, i + len(start))) >= 0:
        out += [text[pos:i], " "]
        pos = j + len(end)
    out.append(text[pos:])
    return "".join(out)


def _drop_elements(text: str) -> str:
    """Each `<script …>…</script>` and `<style …>…</style>` element → one space."""
    out, pos, at, unclosed = [], 0, 0, set()
    while len(unclosed) < len(_SKIP_CLOSE) and (m := _SKIP_OPEN.search(text, at)):
        name = m.group(1).lower()
        close = None if name in unclosed else _SKIP_CLOSE[name].search(text, m.end())
        if close is None:   # no closing tag after this one: none after any later one either
            unclosed.add(name)
            at = m.end()
            continue
        out += [text[pos:m.start()], " "]
        pos = at = close.end()
    out.append(text[pos:])
    return "".join(out)
