"""Re-run tutorial commands and paste their real output into docs/tutorial.md and tutorial.ko.md.

    python tools/tutorial_outputs.py --match "classify" [--match "gates sentiment"] [--dry-run]

For when a shipped model changes: every `$ ` command of the English tutorial whose text contains
one of the --match strings is run exactly as tests/test_tutorial.py runs it (CliRunner, pictures
redirected), and the output lines under it are replaced — in both files, since the Korean one
shows the same commands and outputs. A picture the command wrote replaces the tutorial's picture
of the same name in docs/tutorial/. Output shortened by hand with `...` is replaced in full:
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


def run(cmd_text: str, tmp: Path) -> tuple[list[str], dict[str, str]]:
    import os

    from typer.testing import CliRunner

    from tests.test_tutorial import redirect_pictures, split
    from textrnn.cli import app

    args, stdin = split(cmd_text)
    args, shown = redirect_pictures(args, tmp)
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        result = CliRunner().invoke(app, args, input=stdin)
    finally:
        os.chdir(cwd)
    if result.exit_code != 0:
        sys.exit(f"error: `{cmd_text}` exited {result.exit_code}:\n{result.output}")
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
    from tests.test_tutorial import TUTORIAL, TUTORIAL_KO, parse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--match", action="append", required=True, help="run commands containing this text")
    ap.add_argument("--dry-run", action="store_true", help="print the outputs, change nothing")
    args = ap.parse_args()
    pictures = ROOT / "docs" / "tutorial"
    for cmd in parse(TUTORIAL):
        if not any(m in cmd.text for m in args.match):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            lines, shown = run(cmd.text, Path(tmp))
            print(f"$ {cmd.text}\n" + "\n".join(lines) + "\n")
            if args.dry_run:
                continue
            for doc in (TUTORIAL, TUTORIAL_KO):
                if not replace_output(doc, cmd.text, lines):
                    print(f"warning: {doc.name} does not show `{cmd.text}`", file=sys.stderr)
            for target, name in shown.items():
                if (pictures / Path(name).name).is_file():
                    shutil.copyfile(target, pictures / Path(name).name)
                    print(f"updated docs/tutorial/{Path(name).name}", file=sys.stderr)


if __name__ == "__main__":
    main()
