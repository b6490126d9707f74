"""The protocol layer: the facts every part of zkclear agrees on, and nothing else.

Field constants, bit bounds and domain tags (`constants`), rejection codes (`errors`), the
rounding rules (`fixedpoint`), the signed message layouts (`messages`), the state preimages, steps
and witnesses (`records`), their Poseidon layouts (`hashing`) and one payload module per step kind
(`steps`).  The node, the batch circuit, the contracts' public-data codec and the clients all
build on it; it imports only the native core and the out-of-circuit primitives
(`circuits.primitives`).  docs/protocol.md is its prose.
"""
