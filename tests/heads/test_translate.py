"""Contract: the translation head's pieces (parallel data, teacher forcing, decoding) and
train → save → load → same translations."""

import pytest
import torch

import textrnn
from textrnn.errors import ConfigError, InputError
from textrnn.heads.translate import Seq2Seq, TranslateConfig, batches, bleu_report, read_data
from tests.conftest import FIXTURES


def test_read_data_pairs_line_aligned_files_and_tsv(tmp_path):
    pairs = read_data(FIXTURES / "parallel_train.{de,en}")
    assert len(pairs) == 64 and pairs[0] == ("Ein Hund spielt im Park.", "A dog plays in the park.")
    tsv = tmp_path / "p.tsv"
    tsv.write_text("Hallo\tHello\n", encoding="utf-8")
    assert read_data(tsv) == [("Hallo", "Hello")]


def test_read_data_names_the_problem(tmp_path):
    (tmp_path / "x.de").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "x.en").write_text("a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x.de has 2 lines but .*x.en has 1"):
        read_data(f"{tmp_path}/x.{{de,en}}")
    bad = tmp_path / "bad.tsv"
    bad.write_text("one\ttwo\nthree\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2: expected source<TAB>target"):
        read_data(bad)


@pytest.mark.parametrize("cell,attention", [("gru", "additive"), ("lstm", "general"), ("gru", "dot")])
def test_teacher_forcing_loss_and_shapes(cell, attention):
    torch.manual_seed(0)
    cfg = TranslateConfig(vocab_size=30, embedding_dim=8, hidden_size=6, decoder_size=12, cell=cell,
                          attention=attention, decoder_layers=2)
    model = Seq2Seq(cfg)
    encoded = [([5, 6, 7, 3], [8, 9]), ([5, 3], [10, 11, 12])]
    src, lengths, tgt_in, tgt_out = next(batches(encoded, 2, None))
    assert tgt_in[:, 0].tolist() == [2, 2] and (tgt_out == 3).sum() == 2     # <bos> in, <eos> out
    _, loss = model(src, lengths, tgt_in, tgt_out)
    assert loss.item() > 0 and loss.requires_grad


def test_decoder_steps_match_teacher_forcing():
    """The loss computed in one teacher-forced pass equals stepping the decoder by hand."""
    torch.manual_seed(0)
    model = Seq2Seq(TranslateConfig(vocab_size=20, embedding_dim=8, hidden_size=6, decoder_size=10,
                                    dropout=0.0, label_smoothing=0.0)).eval()
    src, lengths = torch.tensor([[5, 6, 7, 3]]), torch.tensor([4])
    y = [8, 9, 3]
    _, loss = model(src, lengths, torch.tensor([[2, 8, 9]]), torch.tensor([y]))
    memory = model.encode(src, lengths)
    state, prev, total = model.start(memory), torch.tensor([2]), 0.0
    for tok in y:
        logp, state, _ = model.step(prev, state, memory)
        total -= logp[0, tok].item()
        prev = torch.tensor([tok])
    assert abs(loss.item() - total / 3) < 1e-5


def test_padding_in_the_batch_does_not_change_a_translation(tiny_translate):
    p = textrnn.load(tiny_translate)
    alone = p.translate(["Ein Hund läuft im Park."], beam=3)[0]
    together = p.translate(["Ein Hund läuft im Park.", "Zwei Männer spielen auf der Straße am Strand im Park."], beam=3)[0]
    assert alone["translation"] == together["translation"]
    assert abs(alone["score"] - together["score"]) < 1e-4


def test_train_save_load_same_translations(tiny_translate, tmp_path):
    p = textrnn.load(tiny_translate)
    texts = ["Ein Mann sitzt im Schnee.", "", "Eine Frau spielt am Strand."]
    first = p.translate(texts)
    assert first[1] is None and first[0]["translation"]
    p.save(tmp_path / "copy")
    assert textrnn.load(tmp_path / "copy").translate(texts) == first
    # beam search never scores below greedy decoding on the model's own objective
    for g, b in zip(p.translate(texts, beam=1), p.translate(texts, beam=5)):
        assert g is None or b["score"] >= g["score"] - 1e-6


def test_attention_rows_are_distributions(tiny_translate):
    rec = textrnn.load(tiny_translate).translate(["Ein Kind schläft."], attention=True)[0]
    att = torch.tensor(rec["attention"])
    assert att.shape == (len(rec["target_pieces"]), len(rec["source_pieces"]))
    assert torch.allclose(att.sum(1), torch.ones(len(att)), atol=1e-5)


def test_long_inputs_are_cut_and_counted(tiny_translate):
    p = textrnn.load(tiny_translate)
    out = p.translate(["Ein Hund " * 100])
    assert out[0] is not None and p.truncated == 1


def test_learns_the_toy_language(tiny_translate):
    scores = textrnn.load(tiny_translate).metrics["dev"]
    assert scores["bleu"] > 20, scores            # far above chance on 16 unseen sentences


def test_bleu_matches_sacrebleu_on_a_perfect_and_an_empty_output():
    refs = ["A dog runs in the park.", "Two men sit on the beach."]
    assert bleu_report(refs, refs)["bleu"] == pytest.approx(100.0)
    assert bleu_report(["", ""], refs)["bleu"] == 0.0
    assert "tok:13a" in bleu_report(refs, refs)["signature"]


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="gru, lstm"):
        TranslateConfig(vocab_size=10, cell="rnn")
    with pytest.raises(ConfigError, match="model.beam"):
        TranslateConfig(vocab_size=10, beam=0)


def test_without_an_eos_key_attention_never_rests_on_the_closing_piece(tmp_path):
    """attend_eos = false (issue 22, defect 4): </s> is no attention key, so no weight can sink there."""
    import textrnn
    from tests.conftest import tiny_translate_config
    from textrnn.train import train

    cfg = tiny_translate_config(epochs=1)
    cfg["model"]["attend_eos"] = False
    train(cfg, tmp_path / "run", quiet=True)
    p = textrnn.load(tmp_path / "run" / "model")
    rec = p.translate(["der Hund läuft im Park", "x"], attention=True)
    for r in rec:
        assert "</s>" not in r["source_pieces"]
        assert all(len(row) == len(r["source_pieces"]) and abs(sum(row) - 1) < 1e-4 for row in r["attention"])


def test_coverage_loss_charges_attention_paid_twice():
    """See et al. (2017): a step that looks again at an already-covered piece pays min(α, c); a
    diagonal alignment pays nothing; padded target steps are not counted."""
    from textrnn.heads.translate import coverage_loss

    diagonal = torch.eye(3).unsqueeze(0)                                   # (1, T=3, S=3)
    sink = torch.tensor([[[0, 0, 1.0], [0, 0, 1.0], [0, 0, 1.0]]])         # every step on the last piece
    real = torch.ones(1, 3, dtype=torch.bool)
    assert coverage_loss(diagonal, real).item() == 0.0
    assert coverage_loss(sink, real).item() == pytest.approx(2 / 3)       # steps 2 and 3 pay 1 each
    half = torch.tensor([[[0.5, 0.5], [0.5, 0.5]]])                       # step 2 pays 0.5 + 0.5
    assert coverage_loss(half, torch.ones(1, 2, dtype=torch.bool)).item() == pytest.approx(0.5)
    assert coverage_loss(sink, torch.tensor([[True, False, False]])).item() == 0.0


def test_coverage_is_a_training_loss_term_and_a_checked_key(tiny_translate):
    with pytest.raises(ConfigError, match="model.coverage"):
        TranslateConfig(vocab_size=10, coverage=-1.0)
    torch.manual_seed(0)
    model = Seq2Seq(TranslateConfig(vocab_size=20, embedding_dim=8, hidden_size=8, decoder_size=8)).eval()
    covered = Seq2Seq(TranslateConfig(vocab_size=20, embedding_dim=8, hidden_size=8, decoder_size=8, coverage=1.0)).eval()
    covered.load_state_dict(model.state_dict())
    src, tgt = torch.randint(1, 20, (2, 5)), torch.randint(1, 20, (2, 6))
    lengths = torch.tensor([5, 5])
    plain = model(src, lengths, tgt, tgt)[1]
    assert covered(src, lengths, tgt, tgt)[1] > plain                     # same weights, the coverage term added
