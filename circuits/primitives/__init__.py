"""Out-of-circuit twins of the circuit gadgets: plain-Python reference implementations."""
