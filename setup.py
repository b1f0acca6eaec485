"""Build script for zkanchor's optional native kernel and its shipped contracts.

Project metadata lives in pyproject.toml; this file declares the C extension
``zkanchor.native._kernel`` and copies the checkout's top-level ``contracts/`` (Solidity
sources, the verifier template, the precompiled registry artifact) into the package as
``zkanchor/contracts``, so an installed wheel renders verifiers and deploys the registry
without the checkout.  The kernel is an accelerator, never a requirement:
if it cannot be compiled (no compiler, no Python headers, odd platform) the build
prints one line saying so and the install still succeeds with the pure-Python
backend.  Set ZKANCHOR_NO_NATIVE=1 to skip it on purpose.
"""

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

NATIVE_DIR = os.path.join("zkanchor", "native")

# -O3 with the compiler's default target: the wheel must run on any machine of
# the same architecture, so no -march=native.  The *_adx.c files build the same
# code with a MULX/ADX multiplication written as inline assembly (no -m flags
# needed); the module picks that build at import only if the CPU has BMI2+ADX.
# __int128 is available on gcc and clang for x86_64 and aarch64.
kernel = Extension(
    "zkanchor.native._kernel",
    sources=[
        os.path.join(NATIVE_DIR, name)
        for name in ("kernel.c", "marshal.c", "g1.c", "g2.c", "ntt.c", "g1_adx.c", "g2_adx.c", "ntt_adx.c",
                     "r1cs.c", "r1cs_adx.c", "r1cs_py.c")
    ],
    depends=[
        os.path.join(NATIVE_DIR, name)
        for name in ("kernel.h", "marshal.h", "field.h", "mont_adx.h", "fp2.h", "scalar.h",
                     "curve_impl.h", "msm_impl.h", "elementwise.h", "r1cs.h", "r1cs_py.h")
    ],
    extra_compile_args=["-O3", "-g0", "-std=gnu11", "-pthread", "-fno-strict-aliasing"],
    extra_link_args=["-pthread"],
)

FALLBACK_NOTE = "zkanchor: native kernel not built ({reason}); zkanchor will use the pure-Python backend."


class OptionalBuildExt(build_ext):
    """build_ext that turns any compile failure into a one-line notice."""

    _reported = False

    def _fall_back(self, exc):
        # one notice per build: later steps (the --inplace copy) fail as a consequence
        if not self._reported:
            print(FALLBACK_NOTE.format(reason=_one_line(exc)), file=sys.stderr)
            self._reported = True

    def run(self):
        """Build the extensions, or explain in one line why the kernel is skipped."""
        if os.environ.get("ZKANCHOR_NO_NATIVE") == "1":
            print(FALLBACK_NOTE.format(reason="ZKANCHOR_NO_NATIVE=1"), file=sys.stderr)
            return
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any failure must fall back, not abort the install
            self._fall_back(exc)

    def build_extension(self, ext):
        """Compile one extension; a failure is reported and swallowed."""
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._fall_back(exc)


CONTRACT_FILES = ("*.sol", "*.tmpl", os.path.join("artifacts", "*.json"))


class BuildPyWithContracts(build_py):
    """build_py that also ships the top-level contracts/ directory as zkanchor/contracts.

    contracts/ stays at the top of the checkout (it is read by Solidity tools as well as
    by us); in a checkout zkanchor.paths finds it there, in an installed package here.
    """

    def run(self):
        super().run()
        import glob
        import shutil

        target = os.path.join(self.build_lib, "zkanchor", "contracts")
        for pattern in CONTRACT_FILES:
            for source in sorted(glob.glob(os.path.join("contracts", pattern))):
                destination = os.path.join(target, os.path.relpath(source, "contracts"))
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                shutil.copyfile(source, destination)


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else 'no detail'}"


setup(ext_modules=[kernel], cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithContracts})
