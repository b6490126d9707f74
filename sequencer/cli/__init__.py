"""The client and node commands of `zkclear` (registered in zkclear/cli.py's COMMANDS table)."""
