"""``import zkanchor`` exposes a small lazy surface, every name in it resolves, and the loop runs on it."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import zkanchor

def test_every_exported_name_resolves():
    for name in zkanchor.__all__:
        assert getattr(zkanchor, name) is not None, name


def test_statement_names_are_the_statements_packages():
    from zkanchor.statements import TrainingClaim, TrainingStatement

    assert zkanchor.TrainingStatement is TrainingStatement and zkanchor.TrainingClaim is TrainingClaim


def test_import_is_cheap():
    code = "import sys, zkanchor; print('web3' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        zkanchor.no_such_thing  # noqa: B018


def test_the_training_loop_in_a_few_lines_of_the_public_surface(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKANCHOR_CACHE", str(tmp_path / "cache"))
    zk = zkanchor
    owner = 0x7E5F4552091A69125D5DFCB7B8C2659029395BDF
    x = np.array([[0.5, 1.0], [-1.0, 0.5], [1.5, -0.5], [-0.5, -1.0]])
    table, _stats = zk.standardize(zk.from_arrays(x, [1, 0, 1, 0], ["a", "b"], "label"))
    dataset = zk.quantize(table)
    commitment, salt = zk.commit_dataset(dataset, owner=owner)
    spec = zk.spec_for("logreg", dataset, epochs=1, learning_rate=0.5)
    assert spec == zk.make_spec("logreg", dataset.n, dataset.d, 1, 0.5, frac_bits=dataset.frac_bits,
                                value_bits=dataset.value_bits, feature_names=dataset.feature_names,
                                target_name=dataset.target_name, preprocessing=dataset.preprocessing)
    assert spec.preprocessing is not None  # standardize() recorded its statistics; C_D and the spec bind them
    opening = zk.train_model(spec, dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = zk.prove_training(spec, dataset, salt, opening, institution=owner)
    assert zk.verify_training(bundle)
    assert bundle.statement.dataset_commitment == commitment.commitment
    assert bundle.public_inputs()[0] == owner
    loaded = type(bundle).load(bundle.save(tmp_path / "proof"))
    assert zk.verify_training(loaded)
    with pytest.raises(zk.InputError):
        zk.commit_dataset(dataset, 0)  # the zero address owns nothing
