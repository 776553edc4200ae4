"""`textrnn evaluate MODEL DATA`: the task's standard scores on labelled data."""

from __future__ import annotations

from textrnn.errors import InputError, UnknownLabels


def evaluate_model(model: str, data: str, batch_size: int | None = None, ref: str | None = None,
                   beam: int | None = None, raw: bool = False, segmenter: str = "segmenter",
                   write_conllu=None, force: bool = False) -> dict:
    import re
    from pathlib import Path

    import textrnn
    from textrnn.heads import head_module

    predictor = textrnn.load(model)
    if raw or write_conllu is not None:
        return evaluate_from_raw(model, predictor, data, segmenter, write_conllu, force, batch_size)
    head = head_module(predictor.task)
    options = {"batch_size": batch_size} if batch_size else {}
    if predictor.task == "lm" and batch_size:   # a speed knob must not change a metric (heads/lm.py: score)
        import sys

        print("note: --batch-size does not apply to a language model: the text is read as one stream, "
              "so that its perplexity does not depend on a batch size", file=sys.stderr)
        options = {}
    if predictor.task == "translate":
        scores = head.evaluate(predictor, translation_pairs(predictor, data, ref), beam=beam, **options)
        return {"model": model, "data": data, **({"ref": ref} if ref else {}), "task": predictor.task, **scores}
    if ref is not None or beam is not None:
        raise InputError(f"--ref and --beam are for translation models; {model!r} is a {predictor.task!r} model")
    if predictor.task == "classify" and Path(data).is_dir():
        return {"model": model, "data": data, "task": predictor.task, **evaluate_mail_folder(predictor, head, data, options)}
    path = re.sub(r"\[[\d.%]*:[\d.%]*\]$", "", data)  # a language model's FILE[90%:] slice
    if Path(path).is_dir():
        raise InputError(f"{path}: is a directory", hint="give a file of labelled data in the task's corpus format"
                         + (" (a folder of e-mails is for classifiers)" if predictor.task != "classify" else ""))
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file", hint="give labelled data in the task's corpus format")
    try:
        scores = head.evaluate(predictor, head.read_data(data), **options)
    except UnknownLabels as e:
        where = first_line_with(path, e.labels, column_of(predictor.task, path))
        raise InputError(f"{where}: {e.message}" if where else e.message, hint=e.hint) from None
    return {"model": model, "data": data, "task": predictor.task, **scores}


def evaluate_from_raw(model: str, predictor, data: str, segmenter: str, write_conllu, force: bool,
                      batch_size: int | None) -> dict:
    """`--raw`: the treebank's raw text through the segmenter and the tagger, CoNLL 2018 scores."""
    from pathlib import Path

    from textrnn.raw_text import evaluate_raw

    if predictor.task != "tag":
        raise InputError(f"--raw scores a tagger from raw text; {model!r} is a {predictor.task!r} model",
                         hint="e.g. textrnn evaluate pos en_ewt-ud-test.conllu --raw")
    if ".conllu" not in Path(data).name:
        raise InputError(f"{data}: --raw needs a CoNLL-U treebank (its raw text and gold words)",
                         hint="give a .conllu file, e.g. $TEXTRNN_CORPORA/ud_english_ewt/en_ewt-ud-test.conllu")
    if not Path(data).is_file():
        raise InputError(f"{data}: no such file", hint="give a CoNLL-U treebank")
    scores = evaluate_raw(predictor, data, segmenter, write_conllu, force, batch_size or 64)
    flat = {f"{k}_{m}": v[m] for k, v in scores.items() for m in ("precision", "recall", "f1")}
    return {"model": model, "segmenter": segmenter, "data": data, "task": "tag", "raw": True, **flat,
            "upos_aligned_accuracy": scores["upos"]["aligned_accuracy"]}


def column_of(task: str, path: str) -> int:
    """Where a data line holds its label: first (label<TAB>text), CoNLL-U's UPOS, or last (token<TAB>tag)."""
    return 0 if task == "classify" else 3 if ".conllu" in path else -1


def first_line_with(path: str, labels, column: int) -> str | None:
    """`FILE:LINE` of the first line whose label in `column` is one of `labels`; None if none is."""
    from textrnn.data import iter_lines

    labels = set(labels)
    for name, n, line in iter_lines([path]):
        cols = line.split("\t")
        if len(cols) > max(column, 1) and not line.startswith("#") and cols[column] in labels:
            return f"{name}:{n}"
    return None


def evaluate_mail_folder(predictor, head, folder: str, options: dict) -> dict:
    """A folder of labelled e-mail (FOLDER/ham/*.eml, FOLDER/spam/*.eml: the sub-folder names the
    label) read as `classify --input-format eml` reads mail; unreadable messages are left out and counted."""
    from textrnn.mail import labelled_mail

    examples, skipped = [], 0
    for label, mail in labelled_mail(folder, predictor.labels):
        if mail.text is None:
            skipped += 1
        else:
            examples.append((label, mail.text))
    if not examples:
        raise InputError(f"{folder}: no e-mail message could be read", hint="see the warnings above")
    return {"skipped": skipped, **head.evaluate(predictor, examples, **options)}


def format_scores(scores: dict) -> str:
    """A short human-readable summary (the --json output has everything)."""
    lines = [f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}"
             for k, v in scores.items() if isinstance(v, (int, float, str))]
    for label, c in scores.get("per_class", {}).items():
        lines.append(f"  {label}: precision {c['precision']:.4f} recall {c['recall']:.4f} f1 {c['f1']:.4f} support {c['support']}")
    if "confusion" in scores:
        lines.append("confusion (rows gold, columns predicted, order " + ", ".join(scores["labels"]) + "):")
        lines += ["  " + " ".join(f"{n:6d}" for n in row) for row in scores["confusion"]]
    return "\n".join(lines)


def translation_pairs(predictor, data: str, ref: str | None) -> list[tuple[str, str]]:
    """SRC --ref REF, or PREFIX.{de,en}, or PREFIX (with the model's languages) → [(source, reference)]."""
    from pathlib import Path

    from textrnn.heads.translate import parallel_files, read_pairs

    c = predictor.config
    files = (Path(data), Path(ref)) if ref else parallel_files(data, c.source, c.target)
    if files is None:
        raise InputError(f"{data}: no references to score against",
                         hint=f"give --ref REF_FILE, or PREFIX.{{{c.source},{c.target}}}, or a PREFIX with "
                              f"PREFIX.{c.source} and PREFIX.{c.target} beside it")
    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: no such file", hint="give line-aligned source and reference files")
    return read_pairs(*files)
