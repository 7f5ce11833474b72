"""What this CPU is and can do, read from /proc/cpuinfo: it picks the embedding engine and names every measurement."""

from __future__ import annotations

import os
import platform
from functools import cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# Units that run bfloat16 matrix products natively; without them bfloat16 is emulated and slower than float32.
BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
REPORTED_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16")


@cache
def _cpuinfo() -> dict[str, str]:
    if not CPUINFO.exists():
        return {}
    fields: dict[str, str] = {}
    for line in CPUINFO.read_text(errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())  # the first processor speaks for all
    return fields


def flags() -> frozenset[str]:
    return frozenset(_cpuinfo().get("flags", "").split())


def has_native_bf16() -> bool:
    return bool(flags() & BF16_FLAGS)


def describe() -> dict[str, object]:
    """Vendor, model, core count and the SIMD flags that change numeric paths: attached to every figure."""
    info = _cpuinfo()
    return {
        "vendor": info.get("vendor_id", platform.machine()),
        "model": info.get("model name", platform.processor() or platform.machine()),
        "cores": os.cpu_count(),
        "flags": [flag for flag in REPORTED_FLAGS if flag in flags()],
    }


def summary() -> str:
    cpu = describe()
    return f"{cpu['model']} ({cpu['vendor']}, {cpu['cores']} cores; {', '.join(cpu['flags']) or 'no AVX2'})"
