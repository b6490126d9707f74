"""The trader's side: the node's HTTP client (`http`), the wallet that builds and signs request
bodies (`wallet`), L2 key derivation and keystores (`keys`) and the trader CLI (`cli`).  It stands
apart from the node: a trader's install path imports `protocol` and `native`, never `sequencer`."""
