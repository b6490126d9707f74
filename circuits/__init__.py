"""Circuits: an R1CS DSL, gadgets, and their out-of-circuit twins (circuits.primitives)."""
