"""Rebuild the shipped models from the shared corpora.

    TEXTRNN_CORPORA=../shared/corpora python tools/build_pretrained.py spam sentiment embeddings ner pos [--force]

Each NAME trains from textrnn/configs/NAME.toml into runs/NAME (resuming it if it was
interrupted), then installs the best model into textrnn/pretrained/NAME — only when its dev score
beats the shipped model's (git keeps every committed blob, so we commit only improvements), or
with --force. Training logs go to stderr and runs/NAME/metrics.jsonl.

`embeddings` is not a shipped model but a step: the word vectors the taggers start from
(tools/pretrain_embeddings.py → runs/embeddings/model, which ner.toml and pos.toml name as `init`);
it is built only if missing, so list it before `ner` and `pos`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(name: str, force: bool, runs: Path) -> None:
    if name == "embeddings":
        import subprocess

        if not (runs / "embeddings" / "model" / "model.safetensors").is_file():
            subprocess.run([sys.executable, str(ROOT / "tools" / "pretrain_embeddings.py"), "--out", str(runs / "embeddings")],
                           check=True)
        return
    from textrnn.bundle import PRETRAINED_DIR, read_metrics
    from textrnn.config import load_toml
    from textrnn.train import train

    config_path = ROOT / "textrnn" / "configs" / f"{name}.toml"
    config = load_toml(config_path)
    out = runs / name
    resume = (out / "checkpoint" / "trainer.pt").is_file()
    command = f"python tools/build_pretrained.py {name}"
    final = train(config, out, resume=resume, base=config_path.parent, command=command)
    key = final["headline"]
    new = final["dev"][key]
    target = PRETRAINED_DIR / name
    old = (read_metrics(target).get("dev") or {}).get(key) if target.exists() else None
    if old is not None and new <= old and not force:
        print(f"{name}: dev {key} {new:.4f} does not beat the shipped {old:.4f}; kept the shipped model "
              f"(the new one is in {out / 'model'}; --force installs it)", file=sys.stderr)
        return
    tmp = PRETRAINED_DIR / f".{name}.new"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(out / "model", tmp)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    print(f"{name}: installed into {target} (dev {key} {new:.4f}"
          + (f", was {old:.4f})" if old is not None else ")"), file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+", help="models to rebuild: names of textrnn/configs/*.toml")
    ap.add_argument("--force", action="store_true", help="install even if dev does not improve")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs", help="where training runs go")
    args = ap.parse_args()
    for name in args.names:
        build(name, args.force, args.runs)


if __name__ == "__main__":
    main()
