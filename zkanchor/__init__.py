"""zkanchor: zero-knowledge proofs that a model was trained on exactly the data committed to.

The small public surface, imported lazily (``import zkanchor`` stays cheap; web3 and the
compiler are loaded only when a chain function is first used)::

    import zkanchor as zk

    table, stats = zk.standardize(zk.load_sklearn("breast_cancer"))   # or zk.read_csv("train.csv", target="y")
    dataset = zk.quantize(table)                                      # the narrowest width that holds the data
    commitment, salt = zk.commit_dataset(dataset, owner=0x7E5F...)    # the owner's address is bound into C_D
    spec = zk.spec_for("logreg", dataset, epochs=10, learning_rate=0.5)
    model = zk.train_model(spec, dataset)
    bundle = zk.prove_training(spec, dataset, salt, model, institution=0x7E5F...)
    assert zk.verify_training(bundle)                                 # key bound to the recompiled circuit
    bundle.save("proof/")

    chain = zk.connect()                                              # embedded chain, or connect("http://...")
    registry = zk.deploy_registry(chain)

Statements (``zk.TrainingClaim``, ``zk.TrainingStatement``, ``zk.AggregationStatement``),
the one proving path (``zk.Prover``, ``zk.KeyStore``, ``zk.ProofBundle``) and checkpointed
runs (``zk.plan_run``, ``zk.prove_run``, ``zk.verify_run``) are here too.  Lower layers —
``zkanchor.groth16`` (setup/prove/verify), ``zkanchor.r1cs`` (circuits), ``zkanchor.gadgets``,
``zkanchor.solidity``, ``zkanchor.ceremony`` — are importable directly.
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
    "standardize": "zkanchor.commit.quantize",
    "Standardization": "zkanchor.commit.preprocessing",
    "commit_dataset": "zkanchor.commit",
    "Dataset": "zkanchor.commit",
    "save_dataset_dir": "zkanchor.commit",
    "load_dataset_dir": "zkanchor.commit",
    "make_spec": "zkanchor.models.spec",
    "spec_for": "zkanchor.models.spec",
    "TrainingSpec": "zkanchor.models.spec",
    "train_model": "zkanchor.training.api",
    "prove_training": "zkanchor.training.api",
    "verify_training": "zkanchor.training.api",
    "plan_run": "zkanchor.training.checkpoints",
    "prove_run": "zkanchor.training.checkpoints",
    "verify_run": "zkanchor.training.checkpoints",
    "TrainingClaim": "zkanchor.statements",
    "TrainingStatement": "zkanchor.statements",
    "TrainingOpening": "zkanchor.statements",
    "Evaluation": "zkanchor.statements",
    "AggregationStatement": "zkanchor.statements",
    "compile": "zkanchor.statements",
    "Prover": "zkanchor.proofs",
    "KeyStore": "zkanchor.proofs",
    "ProofBundle": "zkanchor.proofs",
    "trusted_key": "zkanchor.proofs",
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
    "ZkLogisticRegression": "zkanchor.estimators",
    "ZkLinearRegression": "zkanchor.estimators",
    "ZkMLPClassifier": "zkanchor.estimators",
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
