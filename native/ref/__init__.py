"""Pure-Python twins of the native core: slow, obviously correct, and the reference the C is tested against."""
