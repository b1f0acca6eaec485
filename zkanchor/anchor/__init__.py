"""On-chain anchoring: the registry client, deployment records and the audit.

    from zkanchor.chain import connect
    from zkanchor.anchor import deploy_registry

    chain = connect()
    registry = deploy_registry(chain)
    registry.register_institution(chain.accounts[1], "St. Mary")
    registry.register_circuit("linreg-v1", verifier_address, 5, "training", circuit_hash, spec_digest)
    registry.anchor_dataset(commitment, sender=chain.accounts[1])
    registry.anchor_training("linreg-v1", proof, public, sender=chain.accounts[1])
    registry.anchor_segment("linreg-v1", "run-1", 0, 3, proof, public, sender=chain.accounts[1])
"""

from .audit import AuditRow, RunReport, audit, format_table, run_reports
from .deployment import CircuitRecord, DeploymentRecord, load_deployment, record_for, save_deployment
from .encoding import circuit_id_bytes, circuit_id_text, proof_hash, run_id_bytes, statement_hash
from .errors import RegistryError
from .registry import (
    AnchorInfo,
    CircuitInfo,
    DatasetInfo,
    InstitutionInfo,
    Registry,
    RegistryEvent,
    RunInfo,
    TxResult,
    compile_registry,
    deploy_registry,
)

__all__ = [
    "AnchorInfo",
    "AuditRow",
    "CircuitInfo",
    "CircuitRecord",
    "DatasetInfo",
    "DeploymentRecord",
    "InstitutionInfo",
    "Registry",
    "RegistryError",
    "RegistryEvent",
    "RunInfo",
    "RunReport",
    "TxResult",
    "audit",
    "circuit_id_bytes",
    "circuit_id_text",
    "compile_registry",
    "deploy_registry",
    "format_table",
    "load_deployment",
    "proof_hash",
    "record_for",
    "run_id_bytes",
    "run_reports",
    "save_deployment",
    "statement_hash",
]
