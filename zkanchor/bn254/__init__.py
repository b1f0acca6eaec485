"""Pure-Python arithmetic on BN254 (Ethereum's alt_bn128).

Submodules, imported on demand so that ``import zkanchor.bn254`` stays cheap:

- :mod:`.constants` -- curve and field parameters;
- :mod:`.fp2` -- the quadratic extension F_P[u]/(u^2 + 1), elements as ``(c0, c1)``;
- :mod:`.g1`, :mod:`.g2` -- affine points as tuples, ``None`` for infinity, with
  Jacobian and batch-affine helpers for the hot paths;
- :mod:`.msm` -- multi-scalar multiplication (batch-affine Pippenger);
- :mod:`.fixed_base` -- many scalars times one base point (trusted setup);
- :mod:`.ntt` -- radix-2 number-theoretic transforms over F_R;
- :mod:`.pairing` -- the product-of-pairings check, backed by py_ecc.

Field elements are plain Python ints at every public boundary.  When ``gmpy2`` is
installed the hot loops run on ``gmpy2.mpz`` internally (about three times faster
modular multiplication); set ``ZKANCHOR_NO_GMPY2=1`` to force plain ints.
"""
