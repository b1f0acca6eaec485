"""Preparing phase 2: the Lagrange-basis points of tau for one domain size.

Groth16's key needs u_j(tau)*G for every wire, where u_j is given by its values on the
domain's rows; with L_i(tau)*G at hand that is a sparse sum per wire.  The Lagrange
points are the inverse DFT of the powers: L_i(tau) = (1/n) sum_j omega^(-ij) tau^j, so

    L_i(tau) * G = (1/n) sum_j omega^(-ij) * (tau^j * G),

an inverse FFT whose "values" are group elements (:func:`groupops.group_ifft`), done
for tau*G1, tau*G2, alpha*tau*G1 and beta*tau*G1.  Only the size the circuit needs is
computed (snarkjs computes every size up to the file's power, and one more for tauG1).

A prepared file also keeps the accumulator truncated to that size, so it can be checked
on its own: the phase-1 transcript is verified record by record (each record's hash
recomputed, each step chained by pairings), the truncated powers like any accumulator
(their first points must be the ones the transcript's last record kept), and the
Lagrange points against them with one random linear combination per list: for random
c, sum c_i L_i must equal sum d_j T_j with d = intt(c) -- two MSMs, no pairing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable, Optional

from ..bn254.ntt import Domain
from ..errors import FormatError, InputError
from . import container
from .checks import RatioChecks, require
from .groupops import G1, G2, group_ifft, msm
from .powers_of_tau import (MAX_POWER, Accumulator, Phase1, accumulator_from_sections, check_last, check_powers,
                            check_records, check_structure, header_power, records_from_json, sizes)


@dataclass(frozen=True)
class Prepared:
    """Phase 1 made ready for circuits of domain size 2^log_size.

    ``accumulator`` is the phase-1 accumulator truncated to power ``log_size``;
    ``phase1_power``/``phase1_hash`` the power and digest of the full accumulator it came
    from; ``contributions`` the phase-1 transcript; ``lagrange_*`` the points L_i(tau) * (G1, G2, alpha*G1, beta*G1).
    """

    log_size: int
    phase1_power: int
    phase1_hash: str
    contributions: tuple
    accumulator: Accumulator
    lagrange_tau_g1: tuple
    lagrange_tau_g2: tuple
    lagrange_alpha_g1: tuple
    lagrange_beta_g1: tuple

    @property
    def size(self) -> int:
        """The domain size n = 2^log_size."""
        return 1 << self.log_size

    def lagrange_sections(self) -> list:
        """(name, point size, points) for the four Lagrange lists."""
        return [
            ("lagrange_tau_g1", container.G1_SIZE, self.lagrange_tau_g1),
            ("lagrange_tau_g2", container.G2_SIZE, self.lagrange_tau_g2),
            ("lagrange_alpha_g1", container.G1_SIZE, self.lagrange_alpha_g1),
            ("lagrange_beta_g1", container.G1_SIZE, self.lagrange_beta_g1),
        ]

    def digest(self) -> str:
        """sha256 (hex) over the truncated accumulator and the Lagrange points."""
        return container.points_digest(self.accumulator.sections() + self.lagrange_sections())


def truncate(acc: Accumulator, power: int) -> Accumulator:
    """The first 2^power powers (2^(power+1) - 1 in tau_g1) of an accumulator."""
    if not 1 <= power <= acc.power:
        raise InputError(f"cannot take 2^{power} powers from an accumulator of 2^{acc.power}")
    n1, n = sizes(power)
    return Accumulator(power, acc.tau_g1[:n1], acc.tau_g2[:n], acc.alpha_tau_g1[:n], acc.beta_tau_g1[:n],
                       acc.beta_g2)


def prepare(phase1: Phase1, log_size: int, progress: Optional[Callable[[str], None]] = None) -> Prepared:
    """Compute the Lagrange points of the 2^log_size domain from a phase-1 accumulator."""
    tick = progress or (lambda _s: None)
    acc = phase1.accumulator
    if not 1 <= log_size <= acc.power:
        raise InputError(
            f"the domain size 2^{log_size} needs a phase-1 accumulator of at least that power; "
            f"this one has 2^{acc.power}"
        )
    small = truncate(acc, log_size)
    n = 1 << log_size
    w_inv = Domain(n).omega_inv
    tick("tau G1")
    lt1 = group_ifft(G1, small.tau_g1[:n], w_inv)
    tick("tau G2")
    lt2 = group_ifft(G2, small.tau_g2, w_inv)
    tick("alpha tau G1")
    la = group_ifft(G1, small.alpha_tau_g1, w_inv)
    tick("beta tau G1")
    lb = group_ifft(G1, small.beta_tau_g1, w_inv)
    return Prepared(log_size, acc.power, acc.digest(), phase1.contributions, small,
                    tuple(lt1), tuple(lt2), tuple(la), tuple(lb))


def verify_prepared(prep: Prepared, phase1: Optional[Phase1] = None) -> None:
    """Check a prepared file; raise CeremonyCheckFailed naming the first failure.

    The phase-1 transcript must verify (every step's proofs and chaining), the truncated
    accumulator must be consecutive powers starting from the points it ended with, and
    each Lagrange list must be the inverse DFT of its powers.  With ``phase1`` also check
    that the file came from that accumulator.
    """
    acc = prep.accumulator
    check_structure(acc)
    require(1 <= prep.log_size <= prep.phase1_power <= MAX_POWER,
            f"the prepared file's sizes are inconsistent (2^{prep.log_size} from a phase 1 of 2^{prep.phase1_power})")
    require(bool(prep.contributions), "the prepared file carries no phase-1 transcript")
    if phase1 is not None:
        require(phase1.accumulator.digest() == prep.phase1_hash,
                "the prepared file was made from a different phase-1 accumulator than the one given")
        require(truncate(phase1.accumulator, prep.log_size) == acc,
                "the prepared file's powers differ from the phase-1 accumulator's")
        require(phase1.contributions == prep.contributions,
                "the prepared file's phase-1 transcript differs from the phase-1 file's")
    checks = RatioChecks(group="powers")
    check_powers(acc, checks)
    check_records(prep.contributions, prep.phase1_power, checks)
    check_last(prep.contributions, acc, "the prepared file's phase 1", digest=prep.phase1_hash, checks=checks)
    checks.run()
    n = prep.size
    domain = Domain(n)
    for name, curve, lag, powers_ in (
        ("tau G1", G1, prep.lagrange_tau_g1, acc.tau_g1[:n]),
        ("tau G2", G2, prep.lagrange_tau_g2, acc.tau_g2),
        ("alpha tau G1", G1, prep.lagrange_alpha_g1, acc.alpha_tau_g1),
        ("beta tau G1", G1, prep.lagrange_beta_g1, acc.beta_tau_g1),
    ):
        require(len(lag) == n, f"the Lagrange {name} list has {len(lag)} points, not {n}")
        c = [secrets.randbits(128) for _ in range(n)]
        d = domain.intt(c)
        require(msm(curve, list(lag), c) == msm(curve, list(powers_), d),
                f"the Lagrange {name} points are not the Lagrange basis of the powers of tau")


def save_prepared(prep: Prepared, path) -> str:
    """Write a prepared file atomically; returns its digest."""
    header = {
        "curve": "bn128",
        "log_size": prep.log_size,
        "phase1_power": prep.phase1_power,
        "phase1_hash": prep.phase1_hash,
        "hash": prep.digest(),
        "contributions": [c.to_json() for c in prep.contributions],
    }
    container.write_file(path, container.KIND_PREPARED, header, prep.accumulator.sections() + prep.lagrange_sections())
    return header["hash"]


def load_prepared(path) -> Prepared:
    """Read a prepared file (FormatError, one sentence, if damaged or inconsistent).

    The declared sizes are checked against the points the file holds (and the phase-1
    power against its limit) before anything is computed from them.
    """
    what = f"prepared file {str(path)!r}"
    c = container.read_file(path, "prepared", container.KIND_PREPARED)
    try:
        h, s = c.header, c.sections
        log_size = header_power(h["log_size"], what, "log_size")
        phase1_power = header_power(h["phase1_power"], what, "phase-1 power", low=log_size)
        acc = accumulator_from_sections(s, log_size, what)
        n = 1 << log_size
        for name in ("lagrange_tau_g1", "lagrange_tau_g2", "lagrange_alpha_g1", "lagrange_beta_g1"):
            if len(s[name]) != n:
                raise FormatError(f"{what} holds {len(s[name])} {name} points where 2^{log_size} needs {n}")
        if not isinstance(h["phase1_hash"], str):
            raise FormatError(f"{what} has no phase-1 hash")
        records = records_from_json(h["contributions"], what)
        prep = Prepared(log_size, phase1_power, h["phase1_hash"], records, acc,
                        tuple(s["lagrange_tau_g1"]), tuple(s["lagrange_tau_g2"]), tuple(s["lagrange_alpha_g1"]),
                        tuple(s["lagrange_beta_g1"]))
    except KeyError as exc:
        raise FormatError(f"{what} lacks a required part ({exc})") from None
    container.check_header(c.header, prep.digest(), what)
    return prep


def log_size_for(domain_size: int) -> int:
    """log2 of a power-of-two domain size."""
    return domain_size.bit_length() - 1


