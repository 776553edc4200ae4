import json

import pytest

from textrnn.errors import ConfigError, TextrnnError
from textrnn.train import train
from tests.conftest import tiny_classify_config


def losses(run):
    return [json.loads(l)["train_loss"] for l in (run / "metrics.jsonl").read_text().splitlines()]


def test_seeded_runs_repeat(tmp_path):
    train(tiny_classify_config(epochs=2), tmp_path / "a", quiet=True)
    train(tiny_classify_config(epochs=2), tmp_path / "b", quiet=True)
    assert losses(tmp_path / "a") == losses(tmp_path / "b")


def test_resume_continues_exactly(tmp_path):
    full = train(tiny_classify_config(epochs=3, patience=10), tmp_path / "full", quiet=True)
    train(tiny_classify_config(epochs=1, patience=10), tmp_path / "part", quiet=True)
    with open(tmp_path / "part" / "metrics.jsonl", "a") as f:  # killed after logging epoch 2, before its checkpoint
        f.write(json.dumps({"epoch": 2, "train_loss": 123.0}) + "\n")
    resumed = train(tiny_classify_config(epochs=3, patience=10), tmp_path / "part", resume=True, quiet=True)
    assert losses(tmp_path / "part") == pytest.approx(losses(tmp_path / "full"), rel=1e-6)
    assert resumed["dev"]["accuracy"] == full["dev"]["accuracy"]
    # the training time counts the epochs run before the interruption too
    seconds = [json.loads(line)["seconds"] for line in (tmp_path / "part" / "metrics.jsonl").read_text().splitlines()]
    assert len(seconds) == 3 and resumed["train_seconds"] == pytest.approx(sum(seconds), abs=0.05)


def test_refuses_to_clobber_and_resume_nothing(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "x").write_text("")
    with pytest.raises(TextrnnError, match="exists and is not empty"):
        train(tiny_classify_config(), tmp_path / "run", quiet=True)
    with pytest.raises(TextrnnError, match="nothing to resume"):
        train(tiny_classify_config(), tmp_path / "run", resume=True, quiet=True)


def test_resume_with_another_model_names_the_keys(tmp_path):
    """Issue 20, row 12: --resume with a changed model was a 4 KB size-mismatch dump."""
    train(tiny_classify_config(epochs=1), tmp_path / "run", quiet=True)
    bigger = tiny_classify_config(epochs=2)
    bigger["model"]["hidden_size"] = 32
    with pytest.raises(TextrnnError, match=r"model.hidden_size: 16 → 32") as e:
        train(bigger, tmp_path / "run", resume=True, quiet=True)
    assert "size mismatch" not in str(e.value) and "another --out" in str(e.value)
    (tmp_path / "run" / "checkpoint" / "run.json").unlink()   # a checkpoint from before run.json: the model still compared
    with pytest.raises(TextrnnError, match=r"model.hidden_size: 16 → 32"):
        train(bigger, tmp_path / "run", resume=True, quiet=True)


def test_resume_a_checkpoint_from_before_a_model_key_existed(tmp_path):
    """A model key added to textrnn after a checkpoint was written is no change at its default; set to
    something else it is."""
    import json

    train(tiny_classify_config(epochs=1), tmp_path / "run", quiet=True)
    saved = tmp_path / "run" / "checkpoint" / "config.json"
    config = json.loads(saved.read_text())
    del config["model"]["bag_chars"]                                    # as written before bag_chars existed
    saved.write_text(json.dumps(config))
    train(tiny_classify_config(epochs=2), tmp_path / "run", resume=True, quiet=True)
    assert json.loads((tmp_path / "run" / "model" / "metrics.json").read_text())["epochs_run"] == 2
    config = json.loads(saved.read_text())
    del config["model"]["bag_ngrams"]
    saved.write_text(json.dumps(config))
    changed = tiny_classify_config(epochs=3)
    changed["model"] |= {"bag_ngrams": 2, "bag_buckets": 64}
    with pytest.raises(TextrnnError, match=r"model.bag_ngrams: '\(unset\)' → 2"):
        train(changed, tmp_path / "run", resume=True, quiet=True)


def test_resume_lists_changed_training_settings(tmp_path, capsys):
    train(tiny_classify_config(epochs=1), tmp_path / "run", quiet=True)
    cfg = tiny_classify_config(epochs=2)
    cfg["tokenizer"]["lowercase"] = False
    with pytest.raises(TextrnnError, match=r"shape the model: tokenizer.lowercase: True → False"):
        train(cfg, tmp_path / "run", resume=True, quiet=True)
    train(tiny_classify_config(epochs=2, lr=0.005), tmp_path / "run", resume=True)   # more epochs, another lr: allowed
    err = capsys.readouterr().err
    assert "resuming with changed settings: train.epochs: 1 → 2; train.lr: 0.01 → 0.005" in err


def test_resume_from_a_truncated_trainer_state(tmp_path):
    train(tiny_classify_config(epochs=1), tmp_path / "run", quiet=True)
    state = tmp_path / "run" / "checkpoint" / "trainer.pt"
    state.write_bytes(state.read_bytes()[:200])
    with pytest.raises(TextrnnError, match=r"trainer.pt: damaged \(its sha256"):   # the recorded checksum
        train(tiny_classify_config(epochs=2), tmp_path / "run", resume=True, quiet=True)
    config = tmp_path / "run" / "checkpoint" / "config.json"
    saved = json.loads(config.read_text())
    del saved["sha256"]["trainer.pt"]          # a checkpoint saved before checksums: torch.load fails
    config.write_text(json.dumps(saved))
    with pytest.raises(TextrnnError, match=r"trainer.pt: damaged checkpoint") as e:
        train(tiny_classify_config(epochs=2), tmp_path / "run", resume=True, quiet=True)
    assert "init" in e.value.hint


@pytest.mark.parametrize("section,key", [("train", "lrr"), ("model", "hiden_size"), ("tokenizer", "knd")])
def test_unknown_keys(tmp_path, section, key):
    cfg = tiny_classify_config()
    cfg.setdefault(section, {})[key] = 1
    with pytest.raises(ConfigError, match=f"unknown config key '{section}.{key}'"):
        train(cfg, tmp_path / "run", quiet=True)


def test_init_from_another_model(tmp_path, tiny_model):
    import torch

    import textrnn

    cfg = {**tiny_classify_config(epochs=1, lr=0.0), "init": str(tiny_model)}
    train(cfg, tmp_path / "run", quiet=True)
    a = textrnn.load(tiny_model).model.state_dict()
    b = textrnn.load(tmp_path / "run" / "model").model.state_dict()
    # lr 0: the initialised weights come through unchanged, under the same tokenizer
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_init_that_does_not_exist_says_how_to_build_it(tmp_path):
    cfg = {**tiny_classify_config(epochs=1), "init": str(tmp_path / "nope")}
    with pytest.raises(ConfigError, match="no model directory at") as e:
        train(cfg, tmp_path / "run", quiet=True)
    assert "make pretrained" in e.value.hint


def _nan_after(monkeypatch, bad_calls):
    """Make the classifier's loss NaN on the given (1-based) training calls."""
    import torch

    from textrnn.heads.classify import Classifier

    forward, calls = Classifier.forward, {"n": 0}

    def patched(self, ids, lengths, targets=None, bag=None):
        logits, loss = forward(self, ids, lengths, targets, bag)
        if targets is not None and self.training:
            calls["n"] += 1
            if calls["n"] in bad_calls:
                loss = loss * torch.tensor(float("nan"))
        return logits, loss

    monkeypatch.setattr(Classifier, "forward", patched)


def test_nan_guard_skips_a_bad_step_and_halves_the_lr(tmp_path, monkeypatch):
    _nan_after(monkeypatch, {2})
    train(tiny_classify_config(epochs=1, schedule="constant"), tmp_path / "r", quiet=True)
    rec = json.loads((tmp_path / "r" / "metrics.jsonl").read_text().splitlines()[0])
    assert rec["skipped_steps"] == 1 and rec["lr"] == pytest.approx(0.005)
    assert rec["train_loss"] == rec["train_loss"]                     # not NaN: the bad step is not averaged in


def test_nan_guard_stops_after_a_streak(tmp_path, monkeypatch):
    _nan_after(monkeypatch, set(range(1, 100)))
    with pytest.raises(TextrnnError, match="training diverged: 3 steps in a row") as e:
        train(tiny_classify_config(epochs=1, max_bad_steps=3), tmp_path / "r", quiet=True)
    assert "train.lr" in e.value.hint


def test_plateau_schedule_lowers_the_lr_only_after_a_stall(tmp_path):
    train(tiny_classify_config(epochs=6, schedule="plateau", plateau_factor=0.5, plateau_patience=1, patience=10),
          tmp_path / "r", quiet=True)
    recs = [json.loads(l) for l in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    best = float("-inf")
    lr = 0.01
    for r in recs:
        assert r["lr"] == pytest.approx(lr)                               # the lr this epoch trained with
        if r["dev"]["accuracy"] > best:
            best = r["dev"]["accuracy"]
        else:
            lr *= 0.5                                                     # the next epoch's


def test_a_run_leaves_gradient_norms_and_curves(tmp_path):
    from typer.testing import CliRunner

    from textrnn.cli import app

    train(tiny_classify_config(epochs=2), tmp_path / "r", quiet=True)
    rec = json.loads((tmp_path / "r" / "metrics.jsonl").read_text().splitlines()[0])
    assert rec["grad_norm"] > 0 and "encoder.rnn.weight_hh_l0" in rec["grad_norms"]
    assert (tmp_path / "r" / "curves.png").read_bytes()[:4] == b"\x89PNG"
    r = CliRunner().invoke(app, ["plot", str(tmp_path / "r"), "--out", str(tmp_path / "c.png")])
    assert r.exit_code == 0 and (tmp_path / "c.png").is_file()
    r = CliRunner().invoke(app, ["plot", str(tmp_path / "r"), "--out", str(tmp_path / "c.png")])
    assert r.exit_code == 1 and "--force" in r.output
    r = CliRunner().invoke(app, ["plot", str(tmp_path)])
    assert r.exit_code == 1 and "metrics.jsonl: no such file" in r.output


@pytest.mark.parametrize("task", ["classify", "lm"])
def test_killed_mid_epoch_resumes_exactly(tmp_path, task):
    """`kill -9` in the middle of an epoch, then --resume from the step checkpoint: the same losses,
    dev scores and weights as a run never interrupted (dropout on, so the RNG states must carry over;
    the language model also carries its hidden state across windows)."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import torch

    from textrnn.bundle import load_weights
    from tests.conftest import tiny_lm_config

    config = (tiny_classify_config(epochs=3, patience=10, checkpoint_every=2) if task == "classify"
              else tiny_lm_config(epochs=3, patience=10, checkpoint_every=2))
    train(config, tmp_path / "full", quiet=True)
    script = tmp_path / "worker.py"
    script.write_text("import json, sys\nfrom textrnn.train import train\n"
                      "train(json.loads(sys.argv[1]), sys.argv[2], resume=len(sys.argv) > 3, quiet=True)\n")
    root = str(Path(__file__).resolve().parent.parent)
    steps = [json.loads(l)["step"] for l in (tmp_path / "full" / "metrics.jsonl").read_text().splitlines()]
    kill_at = steps[0] + 3                       # inside epoch 2, one step after a step checkpoint
    env = {**os.environ, "PYTHONPATH": root, "TEXTRNN_KILL_AT_STEP": str(kill_at)}
    p = subprocess.run([sys.executable, str(script), json.dumps(config), str(tmp_path / "part")], env=env)
    assert p.returncode == -signal.SIGKILL
    saved = torch.load(tmp_path / "part" / "checkpoint" / "trainer.pt", weights_only=True)
    assert saved["state"]["partial"]["done"] >= 1       # the checkpoint it resumes from is mid-epoch
    env.pop("TEXTRNN_KILL_AT_STEP")
    p = subprocess.run([sys.executable, str(script), json.dumps(config), str(tmp_path / "part"), "resume"], env=env)
    assert p.returncode == 0
    assert losses(tmp_path / "part") == pytest.approx(losses(tmp_path / "full"), rel=1e-5)
    a, b = load_weights(tmp_path / "full" / "model"), load_weights(tmp_path / "part" / "model")
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-5), k


def test_bf16_autocast_trains_and_devices_are_checked(tmp_path):
    import torch

    final = train(tiny_classify_config(epochs=2, precision="bf16"), tmp_path / "bf16", quiet=True)
    assert 0 <= final["dev"]["accuracy"] <= 1
    assert all(json.loads(l)["train_loss"] == json.loads(l)["train_loss"] for l in (tmp_path / "bf16" / "metrics.jsonl").read_text().splitlines())
    with pytest.raises(ConfigError, match="choose one of: bf16, fp32"):
        train(tiny_classify_config(precision="fp16"), tmp_path / "x", quiet=True)
    with pytest.raises(ConfigError, match="choose one of: auto, cpu, cuda, mps"):
        train(tiny_classify_config(device="tpu"), tmp_path / "y", quiet=True)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no such device on this machine"):
            train(tiny_classify_config(device="cuda"), tmp_path / "z", quiet=True)
    train(tiny_classify_config(epochs=1, device="auto"), tmp_path / "auto", quiet=True)


def test_max_steps_ends_the_run_early(tmp_path):
    import json

    final = train(tiny_classify_config(epochs=5, batch_size=2, max_steps=3), tmp_path / "run", quiet=True)
    records = [json.loads(l) for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [3] and final["epochs_run"] == 1


def test_language_model_trains_from_a_memory_mapped_stream(tmp_path, monkeypatch):
    """The LM's text goes through an Arrow table and `map` into a cached, memory-mapped id file."""
    from tests.conftest import tiny_lm_config

    monkeypatch.setenv("TEXTRNN_CACHE", str(tmp_path / "cache"))
    train(tiny_lm_config(epochs=1), tmp_path / "run", quiet=True)
    assert len(list((tmp_path / "cache" / "streams").glob("*.int32"))) == 1
    train(tiny_lm_config(epochs=1), tmp_path / "again", quiet=True)          # the cached stream is reused
    assert len(list((tmp_path / "cache" / "streams").glob("*.int32"))) == 1


def test_a_second_run_into_the_same_directory_fails_at_once(tmp_path):
    """Issue 20, row 2: an exclusive lock on the run directory, naming the holder's PID."""
    import os

    from textrnn.run_dir import run_lock

    out = tmp_path / "run"
    with run_lock(out):
        with pytest.raises(TextrnnError, match=f"is in use by another training run \\(PID {os.getpid()}\\)"):
            train(tiny_classify_config(epochs=1), out, quiet=True)
    assert not out.exists()   # the lock's own directory, with nothing else in it, is removed again
    train(tiny_classify_config(epochs=1), out, quiet=True)   # free again: the run proceeds
    assert (out / "model").is_dir()


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from textrnn.run_dir import run_lock\nwith run_lock(Path(sys.argv[1])):\n"
                               "    print('locked', flush=True); time.sleep(60)", str(out)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(TextrnnError, match=f"PID {holder.pid}"):
        train(tiny_classify_config(epochs=1), out, quiet=True)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    time.sleep(0.1)
    train(tiny_classify_config(epochs=1), out, quiet=True)   # kill -9 released the lock with the process
    assert (out / "model").is_dir()


def test_out_naming_a_file_is_an_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(TextrnnError, match="is a file, not a run directory"):
        train(tiny_classify_config(epochs=1), tmp_path / "file", quiet=True)


def test_resume_after_a_kill_during_the_metrics_append(tmp_path):
    """kill -9 while a metrics.jsonl line was being written leaves it cut short: resume drops it."""
    train(tiny_classify_config(epochs=1, patience=10), tmp_path / "run", quiet=True)
    with open(tmp_path / "run" / "metrics.jsonl", "a") as f:
        f.write('{"epoch": 2, "train_lo')
    final = train(tiny_classify_config(epochs=2, patience=10), tmp_path / "run", resume=True, quiet=True)
    assert [json.loads(l)["epoch"] for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    assert final["epochs_run"] == 2


def test_a_dev_label_absent_from_train_is_named_when_the_data_are_read(tmp_path):
    """Issue 20, row 14: the file and the label, before any model is built."""
    from tests.conftest import tiny_tag_config

    dev = tmp_path / "dev.tsv"
    dev.write_text("Paris\tB-LOC\nis\tO\nnice\tB-WEIRD\n\n")
    cfg = tiny_tag_config(epochs=1)
    cfg["data"]["dev"] = str(dev)
    with pytest.raises(TextrnnError, match=r"dev.tsv: label\(s\) \['B-WEIRD'\] never occur in the training data"):
        train(cfg, tmp_path / "run", quiet=True)
    cfg = tiny_classify_config(epochs=1)
    dev.write_text("neutral\ta film\n")
    cfg["data"]["dev"] = str(dev)
    with pytest.raises(TextrnnError, match=r"label\(s\) \['neutral'\] never occur"):
        train(cfg, tmp_path / "run2", quiet=True)
    assert not (tmp_path / "run").exists() and not (tmp_path / "run2").exists()


def test_a_test_label_absent_from_train_is_named_before_training(tmp_path):
    """The second sweep of issue 20: a test label the model cannot predict was found only after training."""
    test = tmp_path / "test.tsv"
    test.write_text("eggs\ta film\n")
    cfg = tiny_classify_config(epochs=1)
    cfg["data"]["test"] = str(test)
    with pytest.raises(TextrnnError, match=r"test.tsv: label\(s\) \['eggs'\] never occur") as e:
        train(cfg, tmp_path / "run", quiet=True)
    assert "test data" in e.value.hint and not (tmp_path / "run").exists()


def test_a_run_directory_removed_under_a_stopping_run_is_no_traceback(tmp_path):
    import shutil

    from textrnn.run_dir import run_lock

    out = tmp_path / "gone"
    with run_lock(out):
        shutil.rmtree(out)        # a user cleans up while the run is stopping
    assert not out.exists()
