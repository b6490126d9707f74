"""zkclear: a zk-rollup clearinghouse for crypto derivatives (command-line entry point lives in zkclear.cli)."""

__version__ = "0.1.0"
