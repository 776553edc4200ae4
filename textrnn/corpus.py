"""Training data through 🤗 `datasets`: every split becomes an Arrow table, cached on disk.

    data.train = "corpora:sst2/train.tsv"            a local file, read by the task's own reader
    data.train = "mine/train.jsonl"                  JSON lines; columns chosen by name (below)
    data.train = "hf:stanfordnlp/sst2:train?text=sentence"
                                                     a dataset from the Hugging Face hub (needs network)
    data.train = "hf:wmt16:train?config=de-en&source=de&target=en"

A local file is parsed once by the task's reader (which names the file and line of bad input) and
its rows are written to an Arrow file under the cache ($TEXTRNN_CACHE, default ~/.cache/textrnn),
keyed by the file's path, size and modification time: the next run memory-maps that file instead
of parsing again, and an edited file is parsed anew.

Columns of each task's table (for JSONL and hub data, `?text=…&label=…` name other columns; class
labels stored as ids become their names):

    classify   label, text
    tag        tokens, tags              lists of strings
    translate  source, target            or one `translation` column of {language: text} with source=/target=
    lm         text                      one line each, its line end kept

A language model's text may be larger than memory. Its lines stream from the file into the Arrow
file, `Dataset.map` turns them into token ids in batches (cached under the tokenizer's
fingerprint), and the ids are written once to one flat int32 file that training reads through a
memory map: what sits in process memory is the window being trained on, not the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qsl

from textrnn.errors import ConfigError, InputError, TextrnnError

HUB = "hf:"
VERSION = 1  # bump when a reader's output changes, so old cached tables are not reused
COLUMNS = {"classify": ("label", "text"), "tag": ("tokens", "tags"), "translate": ("source", "target"), "lm": ("text",),
           "segment": ("text", "labels", "mwt")}
GUESSES = {  # column names tried, in order, when JSONL or hub data do not name theirs
    "text": ("text", "sentence", "sms", "content", "review"),
    "label": ("label", "labels", "class"),
    "tokens": ("tokens", "words"),
    "tags": ("tags", "ner_tags", "upos", "pos_tags"),
    "source": ("source", "src"),
    "target": ("target", "tgt"),
}
OPTIONS = ("config", *GUESSES)


def cache_root() -> Path:
    return Path(os.environ.get("TEXTRNN_CACHE") or Path.home() / ".cache" / "textrnn")


def _quiet():
    import datasets

    datasets.disable_progress_bars()   # the training log says what is loaded; no bars per table
    datasets.logging.set_verbosity_error()
    return datasets


# -- one split → an Arrow table ---------------------------------------------------------------
def load_table(task: str, spec: str, path: Path | None, read_data):
    """The split `spec` as a `datasets.Dataset` with the task's columns. `path` is the resolved local
    path (None for a hub id); `read_data` is the task's reader of local files."""
    if spec.startswith(HUB):
        return _hub_table(task, spec)
    if not path.exists() and not (task == "translate" or "[" in path.name):
        raise InputError(f"{spec}: no such file", hint="check data.train / data.dev / data.test in the config")
    if path.suffix in (".jsonl", ".json"):
        return _json_table(task, path)
    return _local_table(task, path, read_data)


def _stamp(path: Path) -> str:
    """What identifies a local file's version: path, size and modification time (of each of a
    translation corpus's `PREFIX.{de,en}` files, or of a sliced `FILE[:90%]`'s file)."""
    files = sorted(path.parent.glob(path.name + ".*")) if not path.exists() else [path]
    if "[" in path.name and not path.exists():
        files = [path.with_name(path.name.split("[")[0])]
    parts = [str(path.resolve())]
    for f in files:
        if f.is_file():
            st = f.stat()
            parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _local_table(task: str, path: Path, read_data):
    datasets = _quiet()
    key = hashlib.sha1(f"{VERSION}|{task}|{_stamp(path)}".encode()).hexdigest()[:20]
    done = cache_root() / "arrow" / key
    if not (done / "done").exists():
        if task == "lm" and "[" not in path.name:
            gen, kwargs = _text_rows, {"path": str(path)}      # streamed: the file may not fit in memory
        else:
            gen, kwargs = _reader_rows, {"task": task, "path": str(path), "read_data": read_data}
        tmp = done.with_name(f"{key}.tmp{os.getpid()}")   # per process: torchrun's ranks load at once
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            ds = datasets.Dataset.from_generator(gen, gen_kwargs=kwargs, cache_dir=str(tmp / "build"),
                                                 features=_features(task))
        except Exception as e:  # datasets wraps the reader's error: give the user the reader's own
            shutil.rmtree(tmp, ignore_errors=True)
            cause = e
            while cause is not None and not isinstance(cause, TextrnnError):
                cause = cause.__cause__ or cause.__context__
            if cause is None:
                raise
            raise cause from None
        (tmp / "data").mkdir(parents=True)
        for i, f in enumerate(ds.cache_files):
            os.replace(f["filename"], tmp / "data" / f"{i:05d}.arrow")
        del ds
        shutil.rmtree(tmp / "build")
        (tmp / "done").write_text(_stamp(path) + "\n", encoding="utf-8")
        try:
            os.replace(tmp, done)          # atomic; fails if another process got there first
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    files = sorted((done / "data").glob("*.arrow"))
    parts = [datasets.Dataset.from_file(str(f)) for f in files]
    ds = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
    ds._fingerprint = key
    return ds


def _features(task: str):
    import datasets

    s = datasets.Value("string")
    seq = datasets.Sequence(s)
    return datasets.Features({"classify": {"label": s, "text": s}, "tag": {"tokens": seq, "tags": seq},
                              "translate": {"source": s, "target": s}, "lm": {"text": s},
                              "segment": {"text": s, "labels": s, "mwt": s}}[task])


def _reader_rows(task: str, path: str, read_data):
    for ex in read_data(path):
        if task == "lm":
            yield {"text": ex}
        else:
            yield dict(zip(COLUMNS[task], ex))


def _text_rows(path: str):
    """Lines of a (possibly huge) text file, each ending in a newline, as `heads.lm.read_data` gives them."""
    from textrnn.data import iter_lines

    for _, _, line in iter_lines([path]):
        yield {"text": line + "\n"}


def _json_table(task: str, path: Path):
    datasets = _quiet()
    try:
        ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache_root() / "json"))
    except Exception as e:  # pyarrow's JSON errors name the byte offset, not the line; say which file
        raise InputError(f"{path}: not valid JSON lines ({type(e).__name__}: {str(e).splitlines()[0][:200]})",
                         hint="one JSON object per line, e.g. {\"label\": \"pos\", \"text\": \"...\"}") from None
    return _select_columns(task, ds, {}, str(path))


def parse_hub(spec: str) -> tuple[str, str, dict]:
    """`hf:NAME[:SPLIT][?key=value&...]` → (name, split, options)."""
    body = spec[len(HUB):]
    body, _, query = body.partition("?")
    name, _, split = body.partition(":")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - set(OPTIONS))
    if not name or unknown:
        raise ConfigError(f"data path {spec!r}: " + (f"unknown option {unknown[0]!r}" if unknown else "no dataset name"),
                          hint=f"write hf:NAME[:SPLIT][?key=value&...] with keys among: {', '.join(OPTIONS)}")
    return name, split or "train", options


def _hub_table(task: str, spec: str):
    datasets = _quiet()
    name, split, options = parse_hub(spec)
    try:
        ds = datasets.load_dataset(name, options.get("config") or None, split=split)
    except Exception as e:
        raise InputError(f"{spec}: could not load {name!r} split {split!r} from the hub ({type(e).__name__}: "
                         f"{str(e).splitlines()[0][:200] if str(e) else ''})",
                         hint="hub datasets need network access; offline, give a local file instead") from None
    return _select_columns(task, ds, options, spec)


def _select_columns(task: str, ds, options: dict, where: str):
    """Rename/convert the columns of JSONL or hub data to the task's (COLUMNS)."""
    import datasets

    wanted = COLUMNS[task]
    if task == "translate" and "translation" in ds.column_names:
        pair = ds.features["translation"]
        langs = getattr(pair, "languages", None) or sorted(ds[0]["translation"])
        src, tgt = options.get("source"), options.get("target")
        if not src or not tgt:
            raise ConfigError(f"{where}: the `translation` column holds languages {list(langs)}",
                              hint="say which is which: ?source=de&target=en")
        return ds.map(lambda b: {"source": [t[src] for t in b["translation"]], "target": [t[tgt] for t in b["translation"]]},
                      batched=True, remove_columns=ds.column_names)
    chosen = {}
    for col in wanted:
        given = options.get(col)
        found = given if given in ds.column_names else next((c for c in GUESSES[col] if c in ds.column_names), None)
        if found is None or (given and given not in ds.column_names):
            raise ConfigError(f"{where}: no column for {col!r} (columns: {', '.join(ds.column_names)})",
                              hint=f"name it: ?{col}=COLUMN")
        chosen[col] = found

    def names(col):  # class-label ids → their names
        f = ds.features[chosen[col]]
        inner = f.feature if isinstance(f, datasets.Sequence) else (f[0] if isinstance(f, list) else f)
        return inner.names if isinstance(inner, datasets.ClassLabel) else None

    label_names = {c: names(c) for c in wanted if c in ("label", "tags")}

    def convert(batch):
        out = {}
        for col in wanted:
            values = batch[chosen[col]]
            n = label_names.get(col)
            if col == "label":
                values = [n[v] if n else str(v) for v in values]
            elif col == "tags":
                values = [[n[v] if n else str(v) for v in row] for row in values]
            elif col == "text" and task == "lm":
                values = [v if v.endswith("\n") else v + "\n" for v in values]
            out[col] = values
        return out

    return ds.map(convert, batched=True, remove_columns=ds.column_names, features=_features(task))


# -- an Arrow table → what the task's training code takes ------------------------------------
class Lines:
    """A language model's text: an Arrow table of lines, iterated in batches (never all in memory)."""

    def __init__(self, table):
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self):
        for batch in self.table.iter(batch_size=10_000):
            yield from batch["text"]


class Rows(list):
    """A task's examples as a plain list, remembering the Arrow table they came from (for `encode`)."""

    table = None


def examples(task: str, table):
    """Rows in the form the task's head reads: [(label, text)], [(tokens, tags)], [(source, target)],
    or a `Lines` for a language model."""
    if task == "lm":
        return Lines(table)
    rows = Rows(zip(*(table[c] for c in COLUMNS[task])))
    if not rows:
        raise InputError(f"{table.info.description or 'the data'}: has no examples")
    rows.table = table
    return rows


def encode(task: str, predictor, rows, encode_examples):
    """The head's `encode_examples(predictor, rows)` (text → ids), run by `Dataset.map` over the rows'
    Arrow table and cached under the table's, the tokenizer's and the model config's fingerprints, so
    a second run with the same data and vocabulary skips tokenizing. Each encoded example is stored
    as JSON (data, not pickles). Rows that did not come from a table are encoded directly."""
    from textrnn.config import to_dict

    table = getattr(rows, "table", None)
    if table is None:
        return encode_examples(predictor, rows)
    fp = hashlib.sha1("|".join([str(VERSION), task, table._fingerprint, tokenizer_fingerprint(predictor.tokenizer),
                                json.dumps(to_dict(predictor.config), sort_keys=True)]).encode()).hexdigest()[:20]
    root = cache_root() / "encoded"
    root.mkdir(parents=True, exist_ok=True)
    cols = COLUMNS[task]

    def fn(batch):
        exs = list(zip(*(batch[c] for c in cols)))
        return {"encoded": [json.dumps(e, separators=(",", ":")) for e in encode_examples(predictor, exs)]}

    mapped = table.map(fn, batched=True, batch_size=1_000, remove_columns=table.column_names,
                       new_fingerprint=fp, cache_file_name=str(root / f"{fp}.arrow"))
    return [json.loads(s) for s in mapped["encoded"]]


def load(task: str, spec: str, path: Path | None, read_data):
    """`spec` (a config's data path; `path` resolved) → the task's examples, through Arrow."""
    return examples(task, load_table(task, spec, path, read_data))


# -- a language model's token stream ----------------------------------------------------------
def tokenizer_fingerprint(tokenizer) -> str:
    """A hash of everything that decides a tokenizer's ids (its vocabulary or sentencepiece model)."""
    h = hashlib.sha1(type(tokenizer).__name__.encode())
    meta = tokenizer._meta() if hasattr(tokenizer, "_meta") else {"lowercase": getattr(tokenizer, "lowercase", False)}
    if getattr(tokenizer, "normalize", "none") != "none":
        meta["normalize"] = tokenizer.normalize
    h.update(json.dumps(meta, sort_keys=True).encode())
    h.update(getattr(tokenizer, "model_proto", b""))
    return h.hexdigest()[:16]


def token_stream(lines: Lines, tokenizer, unit: str):
    """All token ids of `lines` as one int32 tensor (N,) backed by a memory-mapped file; a word
    model appends `<eos>` to every line (heads/lm.py: stream_ids does the same in memory)."""
    import numpy as np
    import torch

    fp = hashlib.sha1(f"{VERSION}|{lines.table._fingerprint}|{tokenizer_fingerprint(tokenizer)}|{unit}".encode()).hexdigest()[:20]
    root = cache_root() / "streams"
    flat = root / f"{fp}.int32"
    if not flat.exists():
        root.mkdir(parents=True, exist_ok=True)
        eos = tokenizer.eos_id

        def encode(batch):
            if unit == "char":
                return {"ids": tokenizer.encode(batch["text"])}
            return {"ids": [ids + [eos] for ids in tokenizer.encode([t.rstrip("\r\n") for t in batch["text"]])]}

        mapped = lines.table.map(encode, batched=True, batch_size=2_000, remove_columns=["text"],
                                 new_fingerprint=fp, cache_file_name=str(root / f"{fp}.{os.getpid()}.arrow"))
        tmp = flat.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            for batch in mapped.with_format("arrow").iter(batch_size=10_000):
                f.write(batch.column("ids").combine_chunks().flatten().to_numpy().astype(np.int32).tobytes())
        os.replace(tmp, flat)   # another process may have written the same ids: either copy will do
        del mapped
        (root / f"{fp}.{os.getpid()}.arrow").unlink(missing_ok=True)   # the flat file holds the same ids
    if flat.stat().st_size == 0:
        return torch.zeros(0, dtype=torch.int32)
    return torch.from_numpy(np.memmap(flat, dtype=np.int32, mode="c"))
