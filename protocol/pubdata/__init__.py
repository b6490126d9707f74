"""The batch public data and the batch proof's public input (protocol.md section 7).

One module per concern: `fields` (modes, integer encodings, the reader), `header` (7.1),
`queue` (7.3, with `steps.deposit` and `steps.forced_withdrawal`), `withdrawals` (7.4, with
`steps.withdraw`), `account_diff` (7.5), `global_diff` (7.6), `batch` (the framing, the digests
and the public input, 7.2 and 7.7), `dac` (the validium committee's message, 7.8) and `collect`
(the public data of a closed batch from its records).
"""

from protocol.pubdata.batch import (
    PUBLIC_INPUT_MASK,
    PublicData,
    commitment,
    decode_public_data,
    encode_public_data,
    public_input,
    state_diff_hash,
)
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import BatchHeader

__all__ = [
    "PUBLIC_INPUT_MASK",
    "BatchHeader",
    "Mode",
    "PubdataError",
    "PublicData",
    "commitment",
    "decode_public_data",
    "encode_public_data",
    "public_input",
    "state_diff_hash",
]
