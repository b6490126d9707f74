"""zkclear's native core: BN254 fields, curves, MSM, NTT, pairing and Poseidon in C, bound with CFFI.

Each native module here has a pure-Python twin under native.ref with the same interface;
tests/native runs one parametrised suite over both and compares them.
"""
