"""Bundles are checked on load: a sha256 per weights file, finite weights only; files get the umask's mode."""

import hashlib
import json
import os
import shutil

import pytest

import textrnn
from textrnn.errors import BundleError


def copy(bundle, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(bundle, d)
    return d


def edit_config(d, fn):
    cfg = json.loads((d / "config.json").read_text())
    fn(cfg)
    (d / "config.json").write_text(json.dumps(cfg))


def test_saved_bundle_records_sha256_of_its_weights(tiny_model):
    cfg = json.loads((tiny_model / "config.json").read_text())
    assert cfg["sha256"] == {"model.safetensors": hashlib.sha256((tiny_model / "model.safetensors").read_bytes()).hexdigest()}


def test_bit_flip_in_weights_is_refused_naming_the_file(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    data = bytearray((d / "model.safetensors").read_bytes())
    data[-3] ^= 0x04                               # one bit of the last tensor's data: still a valid file
    (d / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model.safetensors: damaged.*sha256") as e:
        textrnn.load(d)
    assert "re-train" in e.value.hint


def test_bundle_saved_before_checksums_still_loads(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    edit_config(d, lambda cfg: cfg.pop("sha256"))
    texts = ["a wonderful film", "boring and bad"]
    assert textrnn.load(d).predict(texts) == textrnn.load(tiny_model).predict(texts)


def test_malformed_checksum_table_names_config(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    edit_config(d, lambda cfg: cfg.update(sha256=["abc"]))
    with pytest.raises(BundleError, match=r"config.json: 'sha256'"):
        textrnn.load(d)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused_naming_the_tensor(tiny_model, tmp_path, bad):
    from safetensors.torch import load_file, save_file

    d = copy(tiny_model, tmp_path)
    state = load_file(str(d / "model.safetensors"))
    name = next(k for k, v in state.items() if v.is_floating_point())
    state[name].view(-1)[0] = bad
    save_file(state, str(d / "model.safetensors"))
    edit_config(d, lambda cfg: cfg.pop("sha256"))  # a bundle from before checksums: only the values can tell
    with pytest.raises(BundleError, match=rf"model.safetensors: tensor '{name}' has NaN or infinite values"):
        textrnn.load(d)


def test_ensemble_members_record_and_check_sha256(tiny_model, tmp_path):
    from textrnn.heads.classify import Ensemble

    p = textrnn.load(tiny_model)
    Ensemble([p, p]).save(tmp_path / "e")
    member = tmp_path / "e" / "member1"
    assert set(json.loads((member / "config.json").read_text())["sha256"]) == {"model.safetensors"}
    data = bytearray((member / "model.safetensors").read_bytes())
    data[-1] ^= 0x80
    (member / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"member1/model.safetensors: damaged"):
        textrnn.load(tmp_path / "e")


def test_checkpoint_records_trainer_state_and_resume_checks_it(tmp_path):
    from tests.conftest import tiny_classify_config
    from textrnn.train import train

    train(tiny_classify_config(epochs=1), tmp_path / "r", quiet=True)
    ckpt = tmp_path / "r" / "checkpoint"
    sums = json.loads((ckpt / "config.json").read_text())["sha256"]
    assert set(sums) == {"model.safetensors", "trainer.pt", "run.json"}
    assert sums["trainer.pt"] == hashlib.sha256((ckpt / "trainer.pt").read_bytes()).hexdigest()
    data = bytearray((ckpt / "trainer.pt").read_bytes())
    data[len(data) // 2] ^= 0x01
    (ckpt / "trainer.pt").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"checkpoint/trainer.pt: damaged"):
        train(tiny_classify_config(epochs=2), tmp_path / "r", resume=True, quiet=True)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_bundle_files_get_the_umask_mode(tiny_model, tmp_path, umask):
    p = textrnn.load(tiny_model)
    old = os.umask(umask)
    try:
        p.save(tmp_path / "saved")
    finally:
        os.umask(old)
    files = [f for f in (tmp_path / "saved").rglob("*") if f.is_file()]
    assert {f.name for f in files} >= {"model.safetensors", "config.json", "tokenizer.json"}
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: oct(0o666 & ~umask) for f in files}
    assert oct((tmp_path / "saved").stat().st_mode & 0o777) == oct(0o777 & ~umask)
