r"""docs/tutorial.md runs as written: every `$ ` command in it is executed and its output compared.

Finding the commands. In fenced ```sh blocks, a line starting with `$ ` is a command; the lines
after it, up to the next `$ ` line or the end of the block, are what it printed: stdout and stderr
interleaved as a terminal shows them. CliRunner does not keep that order (stderr's lines can come
out after stdout's), so the documented lines must be *an* interleaving of the stdout lines and the
stderr lines, each stream in its own order. Blocks in other languages, and sh blocks without `$ `
lines (installation, long trainings), are not run.

Running them. Each command goes through typer's CliRunner against `textrnn.cli.app`, split with
shlex. The commands of one section (from one `## ` heading to the next) share a working directory, in
the order written, so that a section can train a model and then look inside it (`train --example
hello --out hello`, then `inspect step hello/model h`); a command selected alone runs the
section's earlier ones first. `echo "TEXT" | textrnn ...` passes TEXT and a line
end on stdin; `printf '%s\n' "A" "B" | textrnn ...` passes one line per argument. PNGs go to
tmp_path: an `--out`/`-o` value ending in .png (or `--plot-attention`) is rewritten to tmp_path, and an
`inspect` command that writes a picture without `--out` gets one there under its default name, so
`--force` is never needed; `wrote <tmp_path>/x.png` in the output is mapped back to the name the
tutorial shows. Commands that use the `de-en` model (named, or `translate`'s default) are skipped
while textrnn/pretrained/de-en does not exist, and run once the model ships.

Comparing the output. Line by line, robust to float rounding rather than byte for byte, because
the last printed digit of a probability can change with the CPU, the BLAS build or the number of
threads, while labels, tags, tokens and seeded or greedy text must not change at all:
- a documented line `...` stands for any number of lines (the tutorial shortens long JSON);
- runs of whitespace count as one space and trailing whitespace is ignored: table columns are as
  wide as the numbers in them;
- each line is split into text and numbers; the text must be identical;
- integers must be identical, except a percentage, which may differ by 1;
- a decimal number matches within 2 units of its last printed digit (0.8412 accepts 0.8410 to
  0.8414), or within a relative 1e-4 (long JSON floats);
- a number in scientific notation matches within 5 % (gradient norms multiply 100 Jacobians), and
  any two values below 1e-5 match: at float32 precision they are noise (the "reference cells match
  the model's fused kernels to 7.8e-07" line) or a gradient that has vanished either way;
- a number printed with an explicit sign (+1.412, -2.075) is a PCA coordinate, whose sign is
  arbitrary (an SVD may flip an axis), so only its absolute value is compared.
A command documented without output (de-en's, until its output is pasted in) must succeed and
print something.

Precision. The commands run with TEXTRNN_PRECISION=fp32 (textrnn/runtime.py): a classifier that
predicts in bfloat16 on a CPU that has it would print probabilities a few units of the fourth decimal
away from fp32's, and whether the CPU has it differs between machines. The tutorial says so where it
first classifies.

Long runs. `textrnn longrange` trains several models for about a minute each; its documented output
is that full run's (pasted by tools/tutorial_outputs.py). The test runs it with `--quick` (seconds of
training, said so in its first line) and compares the words of every line, not the numbers.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import textrnn
from textrnn.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
TUTORIAL = DOCS / "tutorial.md"
TUTORIAL_KO = DOCS / "tutorial.ko.md"
DE_EN = Path(textrnn.__file__).resolve().parent / "pretrained" / "de-en"

# inspect subcommand → the PNG it writes when no --out is given (embeddings only with --plot)
DEFAULT_PNG = {"gates": "gates.png", "hidden": "hidden.png", "gradients": "gradients.png",
               "attention": "attention.png", "embeddings": "embeddings.png", "activations": "activations.png"}
OUT_OPTIONS = ("--out", "-o", "--plot-attention")
MAX_PICTURE_BYTES = 200_000     # the tutorial keeps its pictures near 150 KB


@dataclass
class Command:
    line: int                   # 1-based line of the `$ ` line in the markdown
    text: str                   # the command as written, without `$ `
    expected: list[str]         # the documented output lines
    block: int = 0              # 1-based line of its section's `## ` heading: a section's commands share a directory


def parse(path: Path) -> list[Command]:
    """The `$ ` commands of the ```sh blocks of a markdown file, with their documented output."""
    commands: list[Command] = []
    in_block = in_sh = False
    current, block = None, 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = line.strip()
        if fence.startswith("```"):
            in_block, in_sh = (False, False) if in_block else (True, fence == "```sh")
            current = None
        elif not in_block and line.startswith("## "):
            block = n
        elif in_sh and line.startswith("$ "):
            current = Command(n, line[2:], [], block)
            commands.append(current)
        elif in_sh and current is not None:
            current.expected.append(line)
    return commands


# -- comparing output -----------------------------------------------------------------------------
NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")


def _parts(line: str) -> list[str]:
    """text, number, text, number, ..., text — whitespace runs collapsed."""
    return NUMBER.split(" ".join(line.split()))


def _numbers_match(doc: str, got: str, percent: bool) -> bool:
    if doc[0] in "+-" or got[0] in "+-":            # a PCA coordinate: its sign is arbitrary
        doc, got = doc.lstrip("+-"), got.lstrip("+-")
    if doc == got:
        return True
    d, g = float(doc), float(got)
    if "e" in doc.lower():
        return (abs(d) < 1e-5 and abs(g) < 1e-5) or abs(d - g) <= 0.05 * max(abs(d), abs(g))
    if "." not in doc:
        return percent and "." not in got and abs(d - g) <= 1
    unit = 10.0 ** -len(doc.split(".")[1])
    return abs(d - g) <= 2 * unit + 1e-12 or abs(d - g) <= 1e-4 * max(abs(d), abs(g))


def line_matches(doc: str, got: str) -> bool:
    pd, pg = _parts(doc), _parts(got)
    if len(pd) != len(pg):
        return False
    for i in range(0, len(pd), 2):
        if pd[i] != pg[i]:
            return False
    for i in range(1, len(pd), 2):
        if not _numbers_match(pd[i], pg[i], percent=pd[i + 1].startswith("%")):
            return False
    return True


def output_matches(expected: list[str], stdout: list[str], stderr: list[str] = ()) -> bool:
    """Whether the documented lines are stdout's and stderr's lines interleaved (each stream in its own
    order, as a terminal shows them), `...` matching any number of lines of either."""
    def trim(lines):
        lines = [l.rstrip() for l in lines]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    expected, out, err = trim(expected), trim(stdout), trim(stderr)
    memo: dict[tuple[int, int, int], bool] = {}

    def match(i: int, j: int, k: int) -> bool:
        key = (i, j, k)
        if key not in memo:
            if i == len(expected):
                memo[key] = j == len(out) and k == len(err)
            elif expected[i].strip() == "...":
                memo[key] = any(match(i + 1, j2, k2) for j2 in range(j, len(out) + 1) for k2 in range(k, len(err) + 1))
            else:
                memo[key] = ((j < len(out) and line_matches(expected[i], out[j]) and match(i + 1, j + 1, k))
                             or (k < len(err) and line_matches(expected[i], err[k]) and match(i + 1, j, k + 1)))
        return memo[key]

    return match(0, 0, 0)


# -- running a command ----------------------------------------------------------------------------
def split(command: str) -> tuple[list[str], str | None]:
    """`[echo "T" | or printf '%s\\n' "A" "B" |] textrnn ARGS` → (ARGS, stdin or None)."""
    tokens = shlex.split(command)
    stdin = None
    if "|" in tokens:
        k = tokens.index("|")
        left, tokens = tokens[:k], tokens[k + 1:]
        if left[0] == "echo" and len(left) == 2:
            stdin = left[1] + "\n"
        elif left[:2] == ["printf", "%s\\n"]:
            stdin = "".join(a + "\n" for a in left[2:])
        else:
            raise AssertionError("the tutorial test runs `echo \"...\" |` and `printf '%s\\n' ... |` pipes only: "
                                 + command)
    assert tokens and tokens[0] == "textrnn", f"not a textrnn command: {command}"
    return tokens[1:], stdin


def redirect_pictures(args: list[str], tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """Point every PNG the command writes into tmp_path; → (new args, {tmp file: name shown in the docs})."""
    args, shown = list(args), {}
    for i, a in enumerate(args[:-1]):
        if a in OUT_OPTIONS and (args[i + 1].endswith(".png") or a == "--plot-attention"):
            target = tmp_path / Path(args[i + 1]).name
            shown[str(target)] = args[i + 1]
            args[i + 1] = str(target)
    for i, a in enumerate(args):
        for opt in OUT_OPTIONS:
            if a.startswith(opt + "=") and (a.endswith(".png") or opt == "--plot-attention"):
                value = a[len(opt) + 1:]
                target = tmp_path / Path(value).name
                shown[str(target)] = value
                args[i] = f"{opt}={target}"
    if not shown and len(args) > 1 and args[0] == "inspect" and args[1] in DEFAULT_PNG:
        if args[1] != "embeddings" or any(a == "--plot" or a.startswith("--plot=") for a in args):
            target = tmp_path / DEFAULT_PNG[args[1]]
            shown[str(target)] = DEFAULT_PNG[args[1]]
            args += ["--out", str(target)]
    return args, shown


def uses_de_en(args: list[str]) -> bool:
    if "de-en" in args:
        return True
    model_given = any(a in ("--model", "-m") or a.startswith("--model=") for a in args)
    return bool(args) and args[0] == "translate" and not model_given


COMMANDS = parse(TUTORIAL)
KOREAN_MODELS = ("sentiment-ko", "pos-ko")


def korean_only(commands: list[Command]) -> list[Command]:
    """The Korean edition's own commands: those that run a Korean model (it shows every English one too)."""
    return [c for c in commands if any(m in shlex.split(c.text) for m in KOREAN_MODELS)]


KO_COMMANDS = korean_only(parse(TUTORIAL_KO))
for _c in KO_COMMANDS:
    _c.doc = "docs/tutorial.ko.md"


def _id(cmd: Command) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", cmd.text.split("|")[-1].replace("textrnn", ""))
    return f"line{cmd.line}-" + words[:50].strip("_")


# Commands whose documented output comes from a run of minutes: the test adds this flag (documented
# in the command's --help and in the tutorial's text) and checks the output's words, not its numbers.
# command → (flag, the words the flag adds to the output, which the full run's pasted output lacks)
QUICK = {"longrange": ("--quick", " (--quick: seconds of training, not the full run)")}


def quick_flag(args: list[str]) -> str | None:
    return QUICK[args[0]][0] if args and args[0] in QUICK else None


def words_match(expected: list[str], stdout: list[str], stderr: list[str]) -> bool:
    """output_matches with every number replaced by 0 and the quick run's remark removed: the same
    lines and words, any numbers."""
    remarks = [remark for _, remark in QUICK.values()]

    def blank(lines):
        for remark in remarks:
            lines = [l.replace(remark, "") for l in lines]
        return [NUMBER.sub("0", l) for l in lines]

    return output_matches(blank(expected), blank(stdout), blank(stderr))


def invoke(cmd: Command, workdir: Path, pictures: Path):
    """Run one tutorial command in `workdir` (its block's directory), PNGs into `pictures` →
    (result, {picture written: name shown in the docs}, quick flag added or None)."""
    args, stdin = split(cmd.text)
    args, shown = redirect_pictures(args, pictures)
    flag = quick_flag(args)
    if flag:
        args = args + [flag]
    cwd, precision = os.getcwd(), os.environ.get("TEXTRNN_PRECISION")
    # anything a command writes lands in `workdir`, where the next command of its section finds it
    # (`train --out hello`, then `inspect step hello/model`); fp32 on every CPU (see "Precision" above)
    os.chdir(workdir)
    os.environ["TEXTRNN_PRECISION"] = "fp32"
    try:
        return CliRunner().invoke(app, args, input=stdin), shown, flag
    finally:
        os.chdir(cwd)
        if precision is None:
            os.environ.pop("TEXTRNN_PRECISION", None)
        else:
            os.environ["TEXTRNN_PRECISION"] = precision


BLOCK_DIRS: dict[tuple[str, int], Path] = {}
DONE: set[tuple[str, int]] = set()


def block_dir(cmd: Command, doc: str, tmp_path_factory) -> Path:
    """The directory shared by the commands of one section; earlier commands of the section that have
    not run yet (a test selected with -k) run first, unchecked, so that what they write is there."""
    key = (doc, cmd.block)
    if key not in BLOCK_DIRS:
        BLOCK_DIRS[key] = tmp_path_factory.mktemp("block")
    commands = COMMANDS if doc == "docs/tutorial.md" else KO_COMMANDS
    for earlier in [c for c in commands if c.block == cmd.block and c.line < cmd.line]:
        if (doc, earlier.line) not in DONE:
            invoke(earlier, BLOCK_DIRS[key], tmp_path_factory.mktemp("pictures"))
            DONE.add((doc, earlier.line))
    return BLOCK_DIRS[key]


@pytest.mark.parametrize("cmd", COMMANDS + KO_COMMANDS, ids=[_id(c) for c in COMMANDS] + ["ko-" + _id(c) for c in KO_COMMANDS])
def test_tutorial_command(cmd: Command, tmp_path, tmp_path_factory):
    doc = getattr(cmd, "doc", "docs/tutorial.md")
    args, _ = split(cmd.text)
    if uses_de_en(args) and not DE_EN.is_dir():
        pytest.skip("textrnn/pretrained/de-en is not shipped yet; section 5's translation commands run once it is")
    result, shown, flag = invoke(cmd, block_dir(cmd, doc, tmp_path_factory), tmp_path)
    DONE.add((doc, cmd.line))
    output, stdout, stderr = result.output, result.stdout, result.stderr
    for target, name in shown.items():
        output, stdout, stderr = (t.replace(target, name) for t in (output, stdout, stderr))
    where = f"{doc}:{cmd.line}: $ {cmd.text}" + (f" (run with {flag})" if flag else "")
    assert result.exit_code == 0, f"{where}\nexit code {result.exit_code}\n{output}\n{result.exception!r}"
    for target in shown:
        assert Path(target).is_file(), f"{where}\ndid not write {shown[target]}"
    if not cmd.expected:
        assert output.strip(), f"{where}\nprinted nothing"
        return
    matches = words_match if flag else output_matches
    if not matches(cmd.expected, stdout.splitlines(), stderr.splitlines()):
        got = (stderr + stdout).splitlines()
        diff = "\n".join(difflib.unified_diff(cmd.expected, got, "docs/tutorial.md", "actual stderr + stdout",
                                               lineterm=""))
        pytest.fail(f"{where}\nthe output differs from the tutorial (beyond float rounding"
                    + (", numbers not compared" if flag else "") + f"):\n{diff}")


# -- the tutorial itself ----------------------------------------------------------------------------
def test_tutorial_has_commands():
    assert len(COMMANDS) >= 20
    assert {c.text.split("|")[-1].split()[1] for c in COMMANDS} >= {"train", "classify", "tag", "next-word",
                                                                   "generate", "translate", "inspect", "info"}


def test_korean_tutorial_has_the_same_commands():
    assert TUTORIAL_KO.is_file(), "docs/tutorial.ko.md is missing"
    english = [c.text for c in COMMANDS]
    korean = [c.text for c in parse(TUTORIAL_KO) if c not in KO_COMMANDS and c.text not in {k.text for k in KO_COMMANDS}]
    assert korean == english, "\n".join(difflib.unified_diff(english, korean, "tutorial.md", "tutorial.ko.md",
                                                              lineterm=""))


PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", [TUTORIAL, TUTORIAL_KO], ids=["en", "ko"])
def test_tutorial_pictures_exist(doc):
    pictures = PICTURE.findall(doc.read_text(encoding="utf-8"))
    assert pictures
    for rel in pictures:
        path = doc.parent / rel
        assert path.is_file(), f"{doc.name} links {rel}, which does not exist"
        assert path.stat().st_size < MAX_PICTURE_BYTES, f"{rel} is {path.stat().st_size} bytes; keep pictures small"
    if doc == TUTORIAL_KO:   # every English picture, and the Korean models' own (NAME-ko.png)
        english = set(PICTURE.findall(TUTORIAL.read_text(encoding="utf-8")))
        assert english <= set(pictures) and all(p.endswith("-ko.png") for p in set(pictures) - english)


# -- the comparison's own rules ---------------------------------------------------------------------
def test_comparison_rules():
    assert line_matches("negative\t0.8412\tnot a good film", "negative 0.8414   not a good film")
    assert not line_matches("negative\t0.8412\tnot a good film", "negative\t0.8416\tnot a good film")
    assert not line_matches("negative\t0.8412\tx", "positive\t0.8412\tx")
    assert line_matches("to 7.8e-07", "to 1.3e-06") and line_matches("6.73e-04", "6.80e-04")
    assert not line_matches("6.73e-04", "7.73e-04") and not line_matches("t=89", "t=88")
    assert line_matches("the  -2.075  +1.749", "the +2.075 -1.749")
    assert line_matches("explain 30% and 23%", "explain 31% and 23%")
    assert line_matches('"p": 0.8412148952484131}', '"p": 0.8412149}')
    assert output_matches(["{", "...", '  "a": 1,', "..."], ["{", '  "path": "/x",', '  "a": 1,', '  "b": 2', "}"])
    assert not output_matches(["a", "b"], ["a", "b", "c"])
    assert output_matches(["note: x", "a", "b", "wrote y"], ["a", "b"], ["note: x", "wrote y"])
    assert not output_matches(["b", "a"], ["a", "b"])
