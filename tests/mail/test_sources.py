"""textrnn/mail/sources.py: .eml files, folders of them, mbox files and stdin → one record per message, in order."""

import base64
import io
import os
import sys
import time
from pathlib import Path

import pytest

from textrnn.errors import ConfigError, InputError
from textrnn.mail import iter_mail, labelled_mail


def eml(subject: str, body: str = "body") -> bytes:
    return f"From: ann@example.org\nSubject: {subject}\n\n{body}\n".encode()


def read(paths, fmt="eml"):
    """(records, warnings) for `paths`."""
    warnings = []
    records = list(iter_mail([str(p) for p in paths], fmt, warnings.append))
    return records, warnings


def write(folder: Path, files: dict) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


# --- .eml files and folders ----------------------------------------------------------------

def test_folder_messages_in_name_order_with_sub_folders_and_no_hidden_files(tmp_path):
    write(tmp_path, {"b.eml": eml("two"), "a.eml": eml("one"), "sub/c.EML": eml("three"),
                     ".hidden.eml": eml("hidden"), ".git/x.eml": eml("git"), "notes.txt": b"not mail"})
    records, warnings = read([tmp_path])
    assert [(Path(r.source).name, r.index, r.subject) for r in records] == \
        [("a.eml", None, "one"), ("b.eml", None, "two"), ("c.EML", None, "three")]
    assert records[0].text == "Subject: one body" and warnings == []


def test_folder_without_eml_files_reads_every_file(tmp_path):
    # mail folders such as the SpamAssassin corpus name messages without a suffix
    write(tmp_path, {"00001.7c53336b37003a9286aba55d2945844c": eml("one"), "00002": eml("two")})
    assert [r.subject for r in read([tmp_path])[0]] == ["one", "two"]


def test_unreadable_messages_keep_their_record_in_order_with_a_warning_naming_the_file(tmp_path):
    write(tmp_path, {"1.eml": eml("first"), "2.eml": b"", "3.eml": b"\x00\x01\x02\x03binary",
                     "4.eml": b"Dear friend, no headers here.\n", "5.eml": eml("last")})
    records, warnings = read([tmp_path])
    assert [Path(r.source).name for r in records] == ["1.eml", "2.eml", "3.eml", "4.eml", "5.eml"]
    assert [r.subject for r in records] == ["first", None, None, None, "last"]
    assert [r.text is None for r in records] == [False, True, True, True, False]
    assert [r.error is None for r in records] == [True, False, False, False, True]
    assert "is empty" in records[1].error and "NUL" in records[2].error and "no mail headers" in records[3].error
    assert len(warnings) == 3
    for w, name in zip(warnings, ["2.eml", "3.eml", "4.eml"]):
        assert w.startswith(str(tmp_path / name) + ": not an e-mail") and "record is kept" in w


def test_files_and_folders_mixed_keep_the_order_given(tmp_path):
    write(tmp_path, {"z.eml": eml("z"), "dir/a.eml": eml("a"), "dir/b.eml": eml("b")})
    records, _ = read([tmp_path / "z.eml", tmp_path / "dir", tmp_path / "z.eml"])
    assert [r.subject for r in records] == ["z", "a", "b", "z"]


def test_headers_only_message_gives_a_record_with_its_subject(tmp_path):
    write(tmp_path, {"h.eml": b"From: a@example.org\nSubject: no body at all\n"})
    [rec], warnings = read([tmp_path / "h.eml"])
    assert rec.text == "Subject: no body at all" and rec.error is None and warnings == []


def test_deeply_nested_message_keeps_its_record(tmp_path):
    part = b"Content-Type: text/plain\n\ndeep\n"
    for i in range(2000):
        b = b"b%d" % i
        part = b"Content-Type: multipart/mixed; boundary=" + b + b"\n\n--" + b + b"\n" + part + b"\n--" + b + b"--\n"
    write(tmp_path, {"a.eml": eml("before"), "b.eml": b"From: a@example.org\nSubject: deep\n" + part,
                     "c.eml": eml("after")})
    records, warnings = read([tmp_path])
    assert [Path(r.source).name for r in records] == ["a.eml", "b.eml", "c.eml"]
    assert records[0].text and records[2].text


def test_20mb_attachment_is_skipped_quickly(tmp_path):
    secret = base64.encodebytes(b"ATTACHED-WORD " * 1_100_000)      # a 20 MB text attachment, base64
    junk = base64.encodebytes(os.urandom(1_000_000))                 # and a binary one
    data = (b"From: a@example.org\nSubject: report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
            b"--XX\nContent-Type: text/plain\n\nthe report is attached\n"
            b"--XX\nContent-Type: text/plain; name=r.txt\nContent-Disposition: attachment; filename=r.txt\n"
            b"Content-Transfer-Encoding: base64\n\n" + secret +
            b"--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + junk + b"--XX--\n")
    assert len(data) > 20_000_000
    (tmp_path / "big.eml").write_bytes(data)
    start = time.perf_counter()
    [rec], _ = read([tmp_path / "big.eml"])
    assert time.perf_counter() - start < 5   # about half a second; loose on purpose
    assert rec.text == "Subject: report the report is attached"


def test_missing_path_is_an_error_before_any_message_is_read(tmp_path):
    write(tmp_path, {"a.eml": eml("a")})
    messages = iter_mail([str(tmp_path / "a.eml"), str(tmp_path / "nope.eml")], "eml")
    with pytest.raises(InputError, match=r"nope.eml: no such file"):
        next(messages)


@pytest.mark.parametrize("files", [{}, {".hidden.eml": b"x"}, {"sub/.DS_Store": b"x"}])
def test_folder_with_no_mail_is_an_error_naming_it(tmp_path, files):
    folder = write(tmp_path / "inbox", files) if files else (tmp_path / "inbox")
    folder.mkdir(exist_ok=True)
    with pytest.raises(InputError, match=r"inbox: a folder with no mail in it") as e:
        read([folder])
    assert e.value.hint


def test_unknown_format_names_the_valid_ones(tmp_path):
    with pytest.raises(ConfigError, match="choose one of: eml, mbox"):
        read([tmp_path], fmt="maildir")


def test_unreadable_file_keeps_its_record(tmp_path, monkeypatch):
    write(tmp_path, {"a.eml": eml("a"), "b.eml": eml("b")})
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "a.eml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    records, warnings = read([tmp_path])
    assert [r.subject for r in records] == [None, "b"]
    assert "Permission denied" in records[0].error and "a.eml" in warnings[0]


def test_stdin_is_one_message(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(eml("from stdin", "caf\xe9"))))
    [rec], _ = read(["-"])
    assert (rec.name, rec.text) == ("<stdin>", "Subject: from stdin café")


# --- mbox ------------------------------------------------------------------------------------

def mbox(*messages: bytes) -> bytes:
    return b"".join(b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n" + m + b"\n" for m in messages)


def test_mbox_records_are_numbered(tmp_path):
    (tmp_path / "in.mbox").write_bytes(mbox(eml("one"), eml("two"), eml("three")))
    records, warnings = read([tmp_path / "in.mbox"], "mbox")
    assert [(r.name, r.subject) for r in records] == \
        [(f"{tmp_path / 'in.mbox'}:{i}", s) for i, s in [(1, "one"), (2, "two"), (3, "three")]]
    assert records[0].text == "Subject: one body" and warnings == []


def test_mbox_crlf(tmp_path):
    (tmp_path / "in.mbox").write_bytes(mbox(eml("one"), eml("two")).replace(b"\n", b"\r\n"))
    assert [r.text for r in read([tmp_path / "in.mbox"], "mbox")[0]] == ["Subject: one body", "Subject: two body"]


def test_mbox_quoted_from_lines_are_unescaped_and_unquoted_ones_inside_a_paragraph_kept(tmp_path):
    body = "Hello,\n>From the archive: yes\n>>From nested\nFrom inside a paragraph\n\nbye"
    (tmp_path / "in.mbox").write_bytes(mbox(eml("quoted", body), eml("next")))
    records, _ = read([tmp_path / "in.mbox"], "mbox")
    assert [r.subject for r in records] == ["quoted", "next"]
    assert records[0].text == ("Subject: quoted Hello, From the archive: yes >From nested "
                               "From inside a paragraph bye")


def test_mbox_not_starting_with_a_from_line_reads_the_text_before_as_a_message(tmp_path):
    (tmp_path / "in.mbox").write_bytes(eml("no separator") + b"\n" + mbox(eml("two")))
    records, warnings = read([tmp_path / "in.mbox"], "mbox")
    assert [(r.index, r.subject) for r in records] == [(1, "no separator"), (2, "two")]
    assert len(warnings) == 1 and "in.mbox: does not start with a `From ` line" in warnings[0]


def test_mbox_from_line_without_the_space_is_not_a_separator(tmp_path):
    # `From` without its space is body text: the two messages read as one, nothing dropped, no crash
    data = mbox(eml("one", "first body")) + b"Fromx@example.org Fri Jul  8 12:08:34 2011\n" + eml("two", "second body")
    (tmp_path / "in.mbox").write_bytes(data)
    records, _ = read([tmp_path / "in.mbox"], "mbox")
    assert len(records) == 1 and records[0].subject == "one"
    assert "first body" in records[0].text and "second body" in records[0].text


def test_mbox_messages_that_cannot_be_read_keep_their_number(tmp_path):
    data = mbox(eml("one"), b"\n", b"plain text with no headers\n", eml("four")) + b"From MAILER-DAEMON at end\n"
    (tmp_path / "in.mbox").write_bytes(data)
    records, warnings = read([tmp_path / "in.mbox"], "mbox")
    assert [(r.index, r.subject) for r in records] == [(1, "one"), (2, None), (3, None), (4, "four"), (5, None)]
    assert [w.split(": ")[0] for w in warnings] == [f"{tmp_path / 'in.mbox'}:{i}" for i in (2, 3, 5)]
    assert "empty" in records[1].error and "no mail headers" in records[2].error


@pytest.mark.parametrize("content", [b"", b"\n \n"])
def test_empty_mbox_file_is_an_error_before_any_message_is_read(tmp_path, content):
    (tmp_path / "a.mbox").write_bytes(mbox(eml("a")))
    (tmp_path / "empty.mbox").write_bytes(content)
    messages = iter_mail([str(tmp_path / "a.mbox"), str(tmp_path / "empty.mbox")], "mbox")
    with pytest.raises(InputError, match="empty.mbox: is empty"):
        next(messages)


def test_empty_mbox_in_a_folder_is_a_warning(tmp_path):
    write(tmp_path, {"Inbox": mbox(eml("one"), eml("two")), "Trash": b""})
    records, warnings = read([tmp_path], "mbox")
    assert [r.name for r in records] == [f"{tmp_path / 'Inbox'}:1", f"{tmp_path / 'Inbox'}:2"]
    assert warnings == [f"{tmp_path / 'Trash'}: is empty: no message in it"]


def test_mbox_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mbox(eml("one"), eml("two")))))
    assert [r.name for r in read(["-"], "mbox")[0]] == ["<stdin>:1", "<stdin>:2"]


# --- labelled folders (evaluate) -------------------------------------------------------------

def test_labelled_mail_reads_each_label_folder(tmp_path):
    write(tmp_path, {"ham/a.eml": eml("lunch"), "spam/b.eml": eml("win"), "spam/c.eml": b"", "other/d.eml": eml("x")})
    warnings = []
    pairs = [(label, r.subject) for label, r in labelled_mail(str(tmp_path), ["ham", "spam"], warnings.append)]
    assert pairs == [("ham", "lunch"), ("spam", "win"), ("spam", None)]
    assert len(warnings) == 1 and "c.eml" in warnings[0]


def test_labelled_mail_without_label_folders_names_them(tmp_path):
    write(tmp_path, {"a.eml": eml("a")})
    with pytest.raises(InputError, match=r"no sub-folder named after a label \(ham, spam\)") as e:
        list(labelled_mail(str(tmp_path), ["ham", "spam"]))
    assert f"{tmp_path}/ham/" in e.value.hint and f"{tmp_path}/spam/" in e.value.hint
