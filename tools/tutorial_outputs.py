"""Re-run tutorial commands and paste their real output into docs/tutorial.md and tutorial.ko.md.

    python tools/tutorial_outputs.py --match "classify" [--match "gates sentiment"] [--dry-run]

For when a shipped model changes or a section is added: every `$ ` command of the English tutorial
whose text contains one of the --match strings is run exactly as tests/test_tutorial.py runs it
(CliRunner, pictures redirected, the commands of one section in one directory, the section's
earlier commands first; but `longrange` without the test's --quick), and the output lines under it
are replaced — in both files, since the Korean one
shows the same commands and outputs. A picture the command wrote replaces the tutorial's picture
of the same name in docs/tutorial/ (a matched command's picture is added if it is new). Output shortened by hand with `...` is replaced in full:
shorten it again if needed. tests/test_tutorial.py then checks the result.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(cmd, workdir: Path, pictures: Path) -> tuple[list[str], dict[str, str]]:
    """Run one tutorial command as the test does: in its block's directory `workdir`, PNGs into
    `pictures`, but without the test's --quick: the pasted output is the full run's."""
    from tests.test_tutorial import QUICK, invoke

    saved = dict(QUICK)
    QUICK.clear()                                       # the real thing, however long it takes
    try:
        result, shown, _ = invoke(cmd, workdir, pictures)
    finally:
        QUICK.update(saved)
    if result.exit_code != 0:
        sys.exit(f"error: `{cmd.text}` exited {result.exit_code}:\n{result.output}")
    out, err = result.stdout, result.stderr
    for target, name in shown.items():
        out, err = out.replace(target, name), err.replace(target, name)
    err_lines = err.splitlines()
    first = [l for l in err_lines if l.startswith(("note:", "warning:"))]   # said before the results, on a terminal
    lines = first + out.rstrip("\n").splitlines() + [l for l in err_lines if l not in first]
    return lines, shown


def replace_output(doc: Path, cmd_text: str, lines: list[str]) -> bool:
    text = doc.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(text):
        if line == "$ " + cmd_text:
            j = i + 1
            while j < len(text) and not text[j].startswith("$ ") and not text[j].strip().startswith("```"):
                j += 1
            text[i + 1: j] = lines
            doc.write_text("\n".join(text) + "\n", encoding="utf-8")
            return True
    return False


def main() -> None:
    from tests.test_tutorial import KO_COMMANDS, TUTORIAL, TUTORIAL_KO, parse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--match", action="append", required=True, help="run commands containing this text")
    ap.add_argument("--dry-run", action="store_true", help="print the outputs, change nothing")
    args = ap.parse_args()
    korean_only = {c.text for c in KO_COMMANDS}
    # the English tutorial's commands are pasted into both files; the Korean models' commands, which
    # only the Korean tutorial shows, into that one
    for doc, targets in ((TUTORIAL, (TUTORIAL, TUTORIAL_KO)), (TUTORIAL_KO, (TUTORIAL_KO,))):
        commands = parse(doc)
        chosen = [c for c in commands if any(m in c.text for m in args.match)
                  and (c.text in korean_only) == (doc == TUTORIAL_KO)]
        if chosen:
            paste(commands, chosen, targets, args.dry_run)


def paste(commands, chosen, targets, dry_run: bool) -> None:
    pictures = ROOT / "docs" / "tutorial"
    # a chosen command runs after the earlier commands of its section, in one directory per section
    # (`train --example hello --out hello`, then `inspect step hello/model h`): their outputs are pasted too
    blocks = {c.block for c in chosen}
    with tempfile.TemporaryDirectory() as root:
        for cmd in [c for c in commands if c.block in blocks and c.line <= max(x.line for x in chosen if x.block == c.block)]:
            workdir = Path(root) / f"block{cmd.block}"
            workdir.mkdir(exist_ok=True)
            shots = Path(root) / f"pictures{cmd.line}"
            shots.mkdir()
            lines, shown = run(cmd, workdir, shots)
            print(f"$ {cmd.text}\n" + "\n".join(lines) + "\n")
            if dry_run:
                continue
            for doc in targets:
                if not replace_output(doc, cmd.text, lines):
                    print(f"warning: {doc.name} does not show `{cmd.text}`", file=sys.stderr)
            for target, name in shown.items():
                if (pictures / Path(name).name).is_file() or cmd in chosen:
                    shutil.copyfile(target, pictures / Path(name).name)
                    print(f"updated docs/tutorial/{Path(name).name}", file=sys.stderr)


if __name__ == "__main__":
    main()
