"""zkanchor: zero-knowledge proofs that a model was trained on exactly the data committed to.

The small public surface, imported lazily (``import zkanchor`` stays cheap; web3 and the
compiler are loaded only when a chain function is first used)::

    import zkanchor as zk

    table = zk.read_csv("train.csv", target="label")        # or zk.load_sklearn("breast_cancer")
    dataset = zk.quantize(table)
    commitment, salt = zk.commit_dataset(dataset)
    spec = zk.make_spec("logreg", dataset.n, dataset.d, epochs=5, learning_rate=0.5)
    opening = zk.train_model(spec, dataset)
    result = zk.prove_training(spec, dataset, salt, opening, institution=0xAA)
    assert zk.verify_training(result.vk, result.proof, result.statement)

    chain = zk.connect()                                    # embedded chain, or connect("http://...")
    registry = zk.deploy_registry(chain)

Lower layers — ``zkanchor.groth16`` (setup/prove/verify), ``zkanchor.r1cs`` (circuits),
``zkanchor.gadgets``, ``zkanchor.solidity``, ``zkanchor.ceremony`` — are importable directly.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "read_csv": "zkanchor.commit",
    "load_sklearn": "zkanchor.commit",
    "from_arrays": "zkanchor.commit",
    "quantize": "zkanchor.commit",
    "commit_dataset": "zkanchor.commit",
    "Dataset": "zkanchor.commit",
    "save_dataset_dir": "zkanchor.commit",
    "load_dataset_dir": "zkanchor.commit",
    "make_spec": "zkanchor.models.spec",
    "TrainingSpec": "zkanchor.models.spec",
    "train_model": "zkanchor.training.api",
    "prove_training": "zkanchor.training.api",
    "verify_training": "zkanchor.training.api",
    "TrainingStatement": "zkanchor.training.statement",
    "setup": "zkanchor.groth16",
    "prove": "zkanchor.groth16",
    "verify": "zkanchor.groth16",
    "Proof": "zkanchor.groth16",
    "ProvingKey": "zkanchor.groth16",
    "VerificationKey": "zkanchor.groth16",
    "render_verifier": "zkanchor.solidity",
    "connect": "zkanchor.chain",
    "deploy_registry": "zkanchor.anchor",
    "Registry": "zkanchor.anchor",
    "audit": "zkanchor.anchor",
    "ZkAnchorError": "zkanchor.errors",
    "InputError": "zkanchor.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zkanchor' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
