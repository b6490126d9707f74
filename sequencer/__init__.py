"""The sequencer: exchange core (state machine, book, risk, state tree) and the node around it."""
