"""The CPU code path Whisper runs on, pinned so that one clip gives one transcript on every PC.

CTranslate2 and the oneDNN inside it pick SIMD kernels by CPU: int8 GEMMs with AVX-512 VNNI
add up differently from AVX2's (which saturate pairs at 16 bits), and on an Intel CPU
CTranslate2 would switch to Intel MKL. Beam search turns such last-bit differences into other
words. So every Whisper process this project starts gets the same backend, ISA and thread
count, in its environment before CTranslate2 loads (the libraries read it once, at start).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass

# Fixed, not the number of cores: the thread count changes how the sums are split (one
# thread gave other words than two). Two leave the other cores to the encode it overlaps.
THREADS = 2
COMPUTE_TYPE = "int8_float32"  # what "int8" resolves to on a CPU, named so it cannot drift


@dataclass(frozen=True)
class Kernels:
    """One reproducible kernel path: the same name gives the same arithmetic."""
    name: str                    # recorded in the transcript cache key and the manifest
    ct2_isa: str | None          # CT2_FORCE_CPU_ISA
    onednn_isa: str | None       # ONEDNN_MAX_CPU_ISA: oneDNN's own dispatch
    threads: int = THREADS
    compute_type: str = COMPUTE_TYPE

    def env(self) -> dict[str, str]:
        """Variables for a Whisper process: set at its start, overriding the user's own."""
        env = {"CT2_USE_MKL": "0",           # oneDNN on Intel and AMD alike
               "HF_HUB_OFFLINE": "1",        # no code path of the hub library goes online
               "HF_HUB_DISABLE_TELEMETRY": "1",
               "OMP_NUM_THREADS": str(self.threads)}
        if self.ct2_isa:
            env["CT2_FORCE_CPU_ISA"] = self.ct2_isa
        if self.onednn_isa:
            env["ONEDNN_MAX_CPU_ISA"] = self.onednn_isa
            env["DNNL_MAX_CPU_ISA"] = self.onednn_isa  # the name older oneDNN releases read
        return env

    def label(self) -> str:
        return f"{self.name}, {self.compute_type}, {self.threads} threads"


# Every x86-64 PC since 2013-15 (Intel Haswell, AMD Excavator/Zen) has AVX2 and FMA.
X86_AVX2 = Kernels("x86-64 AVX2 oneDNN", ct2_isa="AVX2", onednn_isa="AVX2")
# Older or low-end x86-64 CPUs: slower, the same on all of them, not the same words as AVX2.
X86_SSE41 = Kernels("x86-64 SSE4.1 oneDNN", ct2_isa="GENERIC", onednn_isa="SSE41")
# aarch64 wheels have no oneDNN (Ruy, and Accelerate on a Mac): only threads can be pinned.
ARM64 = Kernels("arm64 NEON", ct2_isa=None, onednn_isa=None)
OTHER = Kernels("generic", ct2_isa=None, onednn_isa=None)


def choose(machine: str, features: Mapping[str, bool]) -> Kernels:
    """The kernel path for a CPU, from its architecture name and feature flags."""
    machine = machine.lower()
    if machine in ("x86_64", "amd64", "x64"):
        return X86_AVX2 if features.get("AVX2") and features.get("FMA3") else X86_SSE41
    if machine in ("aarch64", "arm64"):
        return ARM64
    return OTHER


def cpu_features() -> dict[str, bool]:
    """This CPU's SIMD features as numpy detected them at run time (any OS)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__
    return dict(__cpu_features__)


def this_machine() -> Kernels:
    return choose(platform.machine(), cpu_features())
