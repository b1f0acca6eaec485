"""The zkanchor simulator: multi-institution scenarios replayed on a real chain.

    from simulator import run_scenario
    report = run_scenario("zkanchor/simulator/scenarios/hospitals.toml", seed=7, out="out/hospitals", echo=print)
    assert report.ok   # every honest action landed, every attack was stopped

Scenario files (TOML) are described in :mod:`zkanchor.simulator.scenario`; the adversaries in
:mod:`zkanchor.simulator.attacks`; the report directory in :mod:`zkanchor.simulator.report`; how a run is
made deterministic in :mod:`zkanchor.simulator.engine`.
"""

from .engine import run_scenario
from .report import Report
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["run_scenario", "Report", "Scenario", "ScenarioError", "load_scenario"]
