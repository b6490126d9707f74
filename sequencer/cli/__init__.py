"""The node command of `zkclear` (`zkclear node`), registered in zkclear/cli.py's COMMANDS table."""
