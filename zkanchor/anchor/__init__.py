"""On-chain anchoring: the registry client, deployment records and the audit.

    from zkanchor.chain import connect
    from zkanchor.anchor import deploy_registry

    chain = connect()
    registry = deploy_registry(chain)
    registry.register_institution(chain.accounts[1], "St. Mary")
    registry.register_circuit("linreg-v1", verifier_address, 5, "training", circuit_hash, spec_digest)
    registry.anchor_dataset(commitment, sender=chain.accounts[1])
    registry.anchor_training("linreg-v1", proof, public, sender=chain.accounts[1])
    registry.open_run("run-1", "linreg-v1", commitment, 3, start_weights, sender=chain.accounts[1])  # training starts
    registry.anchor_segment("linreg-v1", "run-1", 0, 3, proof, public, sender=chain.accounts[1])
    request = registry.request_erasure(chain.accounts[1], commitment, leaf, sender=subject).value
    registry.anchor_erasure("erasure-8x1", proof, public, [request], sender=chain.accounts[1])
    report = audit_report(chain, record)       # rows, runs, erasure requests, superseded models, ...
"""

from .audit import (
    AuditReport,
    AuditRow,
    ErasureRequestReport,
    ExpiredDataset,
    RunReport,
    SupersededModel,
    ValidityReport,
    audit,
    audit_report,
    format_report,
    format_table,
    run_reports,
)
from .deployment import CircuitRecord, DeploymentRecord, load_deployment, record_for, save_deployment
from .encoding import circuit_id_bytes, circuit_id_text, proof_hash, run_id_bytes, statement_hash
from .errors import RegistryError
from .registry import (
    AnchorInfo,
    CircuitInfo,
    DatasetInfo,
    ErasureRequestInfo,
    InstitutionInfo,
    Registry,
    RegistryEvent,
    RunInfo,
    TxResult,
    ValidityInfo,
    compile_registry,
    deploy_registry,
)

__all__ = [
    "AnchorInfo",
    "AuditReport",
    "AuditRow",
    "CircuitInfo",
    "CircuitRecord",
    "DatasetInfo",
    "DeploymentRecord",
    "ErasureRequestInfo",
    "ErasureRequestReport",
    "ExpiredDataset",
    "InstitutionInfo",
    "Registry",
    "RegistryError",
    "RegistryEvent",
    "RunInfo",
    "RunReport",
    "SupersededModel",
    "TxResult",
    "ValidityInfo",
    "ValidityReport",
    "audit",
    "audit_report",
    "circuit_id_bytes",
    "circuit_id_text",
    "compile_registry",
    "deploy_registry",
    "format_report",
    "format_table",
    "load_deployment",
    "proof_hash",
    "record_for",
    "run_id_bytes",
    "run_reports",
    "save_deployment",
    "statement_hash",
]
