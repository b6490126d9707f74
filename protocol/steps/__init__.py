"""Step payloads, one module per step kind (protocol.md section 3.4): what each circuit-level
transition carries besides its leaf updates and global states."""
