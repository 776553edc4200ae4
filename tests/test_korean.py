"""The Korean models on the input a Korean user has (issue 23): decomposed Hangul, mixed scripts,
full-width punctuation, a 1 MB line, empty lines."""

import json
import unicodedata

from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()
LINES = ["이 영화 정말 재밌어요", "", "연기는 좋았지만 스토리가 너무 지루했다！！", "BTS 노래 최고 😍👍 good", "시간 아깝다 ㅠㅠ"]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_sentiment_ko_reads_decomposed_hangul_as_composed():
    nfc = run("classify", "-m", "sentiment-ko", "-f", "jsonl", input="\n".join(LINES) + "\n")
    nfd = run("classify", "-m", "sentiment-ko", "-f", "jsonl",
              input=unicodedata.normalize("NFD", "\n".join(LINES)) + "\n")
    assert nfc.exit_code == 0 and nfd.exit_code == 0, nfc.output + nfd.output
    a, b = ([json.loads(line) for line in r.stdout.splitlines()] for r in (nfc, nfd))
    assert len(a) == len(LINES) and a[1]["label"] is None and a[0]["label"] == "positive"
    assert [(r["label"], round(r["probability"] or 0, 4)) for r in a] == \
           [(r["label"], round(r["probability"] or 0, 4)) for r in b]


def test_pos_ko_tags_raw_korean_lines_in_order():
    nfc = run("tag", "-m", "pos-ko", "-f", "jsonl", input="\n".join(LINES) + "\n")
    nfd = run("tag", "-m", "pos-ko", "-f", "jsonl", input=unicodedata.normalize("NFD", "\n".join(LINES)) + "\n")
    assert nfc.exit_code == 0 and nfd.exit_code == 0, nfc.output + nfd.output
    a, b = ([json.loads(line) for line in r.stdout.splitlines()] for r in (nfc, nfd))
    assert len(a) == len(LINES) and a[1]["tokens"] == [] and [r["tags"] for r in a] == [r["tags"] for r in b]
    assert a[2]["tokens"][-2:] == ["！", "！"] and a[2]["tags"][-1] == "PUNCT"   # full-width punctuation split off


def test_a_one_megabyte_korean_line():
    line = "재밌어요 " * 200_000   # 1 MB of UTF-8
    r = run("classify", "-m", "sentiment-ko", input=line + "\n")
    assert r.exit_code == 0 and r.stdout.startswith("positive") and len(r.stdout.splitlines()) == 1
    r = run("tag", "-m", "pos-ko", input=line[:100_000] + "\n")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1
