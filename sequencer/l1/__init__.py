"""The node's L1 side: the data-availability committee client (dac_client) for validium batches."""
