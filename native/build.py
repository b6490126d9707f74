"""CFFI (API mode) build script for the native core: `setup.py`'s cffi_modules points here.

The cdef is the public header with preprocessor lines dropped, so zkclear.h stays the single
description of the C boundary.  ZKCLEAR_CFLAGS replaces the default optimisation flags (for
instance `-O2` for a portable build that does not use -march=native).
"""

from __future__ import annotations

import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
HEADER = HERE / "include" / "zkclear.h"
SOURCES = sorted(str(p.relative_to(HERE.parent)) for p in (HERE / "src").glob("*.c"))
# Headers hold most of the code (static inline fields, tower, curves): every object depends on them.
DEPENDS = sorted(str(p.relative_to(HERE.parent)) for p in [*(HERE / "src").glob("*.h"), HEADER])


def cdef_text() -> str:
    return "\n".join(line for line in HEADER.read_text().splitlines() if not line.lstrip().startswith("#"))


def compile_flags() -> list[str]:
    custom = os.environ.get("ZKCLEAR_CFLAGS")
    opt = custom.split() if custom else ["-O3", "-march=native", "-funroll-loops"]
    # The SLP vectoriser packs the 4-limb structs through vector registers around the inline
    # assembly (vpinsrq/vmovdqa), which costs ~15% in the MSM inner loop: keep it off.
    return [
        *opt,
        "-fno-tree-slp-vectorize",
        "-std=gnu11",
        "-fno-strict-aliasing",
        "-pthread",
        "-Wall",
        "-Wno-unused-function",
    ]


ffibuilder = FFI()
ffibuilder.cdef(cdef_text())
ffibuilder.set_source(
    "native._zkclear_native",
    '#include "zkclear.h"',
    sources=SOURCES,
    depends=DEPENDS,
    include_dirs=[str(HERE / "include"), str(HERE / "src")],
    extra_compile_args=compile_flags(),
    extra_link_args=["-pthread"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
