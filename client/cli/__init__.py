"""The trader commands of `zkclear` (account, order, deposit, withdraw, markets, book)."""
