"""A multi-party Groth16 trusted setup ("ceremony") that anyone can verify from its files.

Secure if any single contributor was honest and forgot their secrets.  The steps:

1. **Phase 1, powers of tau** (:mod:`.powers_of_tau`): start, any number of
   contributions, a final public beacon; or import a snarkjs ``.ptau`` (:mod:`.ptau`).
2. **Preparation** (:mod:`.prepare`): the Lagrange-basis points for one domain size,
   by an inverse FFT over group elements (:mod:`.groupops`).
3. **Phase 2, per circuit** (:mod:`.phase2`): the initial key from the prepared file
   and the R1CS, then any number of delta contributions.
4. **Finish** (:mod:`.transcript`): verify everything, write a key directory that
   ``zkanchor prove`` uses and ``ceremony.json``, the transcript.

Every step leaves a transcript record that keeps the points it produced (phase 1: tau*G1,
tau*G2, alpha*G1, beta*G1, beta*G2; phase 2: delta*G1, delta*G2), the hash of the record
before it and a proof of knowledge whose challenge is that hash; a record's hash is the
sha256 of all of that, recomputed on verification, and consecutive records are chained
by pairing checks on their points.  The hash a contributor is told to keep therefore
names their contribution exactly, and ``ceremony verify --contribution-hash`` finds it
in the chain.  The circuit is identified by :func:`zkanchor.r1cs.circuit_hash`.

Files share one checksummed container (:mod:`.container`) with a fixed list of sections
per kind; every declared count is checked against the file before use.  Every verification failure
raises :class:`CeremonyCheckFailed` with one sentence naming the failed check; damaged
or malformed files raise :class:`~zkanchor.errors.FormatError`.

Submodules are imported on demand (``from zkanchor.ceremony import phase2``), so
``import zkanchor.ceremony`` stays cheap.
"""

from .checks import CeremonyCheckFailed

__all__ = ["CeremonyCheckFailed"]
