"""The zkanchor simulator: multi-institution scenarios replayed on a real chain.

    from simulator import run_scenario
    report = run_scenario("simulator/scenarios/hospitals.toml", seed=7, out="out/hospitals", echo=print)
    assert report.ok   # every honest action landed, every attack was stopped

Scenario files (TOML) are described in :mod:`simulator.scenario`; the adversaries in
:mod:`simulator.attacks`; the report directory in :mod:`simulator.report`; how a run is
made deterministic in :mod:`simulator.engine`.
"""

from .engine import run_scenario
from .report import Report
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["run_scenario", "Report", "Scenario", "ScenarioError", "load_scenario"]
