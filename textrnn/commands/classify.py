"""`textrnn classify`: one record per input line (or e-mail message), in input order, streamed in chunks.

Lines are read lazily and classified in chunks (sorted by length inside the model for speed), so
a file of millions of lines runs with flat memory. An empty line gives an empty record, never a
shifted one. With `--input-format eml|mbox` the records are e-mail messages (textrnn/mail/), each
named by its file (and its number in an mbox); a message that cannot be read keeps an empty record.
"""

from __future__ import annotations

import json
import re
import sys
from itertools import islice
from pathlib import Path

from textrnn.errors import InputError

CHUNK = 4096  # lines held in memory at once
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")   # tabs, line breaks and other controls


def read_texts(files: list[str], input_format: str, text_field: str):
    """Yield the text of each input line ('' for an empty line), checking JSON lines as we go."""
    from textrnn.data import iter_lines

    for name, n, line in iter_lines(files):
        if input_format == "text" or not line.strip():
            yield line
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{name}:{n}: not valid JSON ({e.msg})", hint="each line must be one JSON object") from None
        if not isinstance(obj, dict) or text_field not in obj:
            raise InputError(f"{name}:{n}: no field {text_field!r}", hint="choose the field with --text-field")
        text = obj[text_field]
        if not isinstance(text, str):
            raise InputError(f"{name}:{n}: field {text_field!r} is not a string")
        yield _SURROGATE.sub("\ufffd", text)   # JSON may escape a lone surrogate ("\ud800"): not UTF-8


def format_record(fmt: str, text: str, rec: dict | None) -> str:
    """One output line: tsv `label<TAB>probability<TAB>text` (tabs and line breaks in the text become
    spaces, so a record stays one line), or a JSON object."""
    from textrnn.commands.output import json_line, one_line

    if fmt == "jsonl":
        if rec is None:
            return json_line({"text": text, "label": None, "probability": None, "scores": None})
        return json_line({"text": text, **rec})
    if rec is None:
        return "\t\t" + one_line(text)
    return f"{rec['label']}\t{rec['probability']:.4f}\t{one_line(text)}"


def format_mail_record(fmt: str, mail, rec: dict | None) -> str:
    """A message's record: tsv `label<TAB>probability<TAB>file[:n]<TAB>subject`, or a JSON object."""
    from textrnn.commands.output import json_line, one_line

    if fmt == "jsonl":
        rec = rec or {"label": None, "probability": None, "scores": None}
        return json_line({"source": mail.source, "message": mail.index, "subject": mail.subject, **rec,
                          "error": mail.error})
    # a file name may hold a tab or a line break: one record must stay one line of 4 columns
    name, subject = (one_line(_CONTROL.sub(" ", s or "")) for s in (mail.name, mail.subject))
    if rec is None:
        return f"\t\t{name}\t{subject}"
    return f"{rec['label']}\t{rec['probability']:.4f}\t{name}\t{subject}"


def classify_files(files: list[str], model: str, fmt: str = "tsv", input_format: str = "text",
                   text_field: str = "text", batch_size: int = 64, output: Path | None = None,
                   force: bool = False) -> None:
    import textrnn
    from textrnn.commands.memory import release_free_memory
    from textrnn.commands.output import open_output
    from textrnn.mail import FORMATS as MAIL_FORMATS

    if input_format in MAIL_FORMATS:
        return classify_mail(files, model, fmt, input_format, batch_size, output, force)
    predictor = textrnn.load(model, task="classify")
    texts = read_texts(files, input_format, text_field)
    warned = False
    rows = []  # only for the table format
    with open_output(output, force) as out:
        while chunk := list(islice(texts, CHUNK)):
            records = predictor.predict(chunk, batch_size=batch_size)
            release_free_memory()   # memory.py: keeps a long run flat
            if predictor.truncated and not warned:
                print(f"note: lines longer than {predictor.config.max_len} tokens are truncated to that length",
                      file=sys.stderr)
                warned = True
            if fmt == "table":
                rows += zip(chunk, records)
                continue
            out.write("".join(format_record(fmt, t, r) + "\n" for t, r in zip(chunk, records)))
        if fmt == "table":
            _write_table(out, rows)


def classify_mail(files: list[str], model: str, fmt: str, input_format: str, batch_size: int,
                  output: Path | None, force: bool) -> None:
    """One record per e-mail message of `files` (.eml files, folders, mbox files)."""
    import textrnn
    from textrnn.commands.output import open_output
    from textrnn.mail import iter_mail

    predictor = textrnn.load(model, task="classify")
    mails = iter_mail(files, input_format)
    read, warned = 0, False
    rows = []  # only for the table format
    with open_output(output, force) as out:
        while chunk := list(islice(mails, 256)):   # messages may be long: fewer at a time than lines
            records = predictor.predict([m.text or "" for m in chunk], batch_size=batch_size)
            read += sum(m.text is not None for m in chunk)
            if predictor.truncated and not warned:
                print(f"note: messages longer than {predictor.config.max_len} tokens are read in part "
                      f"({predictor.config.reading} reading)", file=sys.stderr)
                warned = True
            if fmt == "table":
                rows += [(m.name, r) for m, r in zip(chunk, records)]
                continue
            out.write("".join(format_mail_record(fmt, m, r) + "\n" for m, r in zip(chunk, records)))
        if not read:
            raise InputError("no e-mail message could be read from the input (see the warnings above)",
                             hint="give .eml files, folders of them (--input-format eml) or mbox files (--input-format mbox)")
        if fmt == "table":
            _write_table(out, rows)


def _write_table(out, rows) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("label", "probability", "text")
    for text, rec in rows:
        table.add_row(rec["label"] if rec else "", f"{rec['probability']:.3f}" if rec else "", text)
    Console(file=out).print(table)
