"""The sequencer: a deterministic perpetual-futures clearing state machine (exchange core) and,
on top of it, the node (API, journal, batching, L1 client).

Entry point of the exchange core: `sequencer.exchange.Exchange`.
"""
