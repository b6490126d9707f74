"""The fixed test vector of protocol.md section 7.11: other implementations (the circuit's witness
code, the Solidity contracts, the verifier's CLI) check themselves against these bytes; the test
also checks that the document shows exactly them."""

from __future__ import annotations

import re
from pathlib import Path

from circuits.primitives import babyjub
from protocol.pubdata.account_diff import EMPTY, SlotRecord
from protocol.pubdata.batch import (
    PublicData,
    commitment,
    decode_public_data,
    encode_public_data,
    public_input,
    state_diff_hash,
)
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader, encode_header
from protocol.pubdata.steps.deposit import DepositEntry, DepositRecord
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry, ForcedWithdrawalRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import GlobalState, MarketState

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
OWNER = 0x1A642F0E3C3AF545E7ACBD38B07251B3990914F1
ROLLUP_ADDRESS = 0x5FBDB2315678AFECB367F032D93F642F64180AA3
KEY = babyjub.mul(babyjub.BASE8, 3)
VECTOR = PublicData(
    Mode.ROLLUP,
    (
        DepositRecord(DepositEntry(OWNER, KEY[0], KEY[1], 100_000_000), 1),
        ForcedWithdrawalRecord(ForcedWithdrawalEntry(OWNER, 1, 50_000_000), 20_000_000),
    ),
    (Withdrawal(1, 0xCAFE, 30_000_000),),
    GlobalState(
        1_000_000,
        2_500,
        1_700_000_000,
        (
            MarketState(
                5_000_000,
                1_700_000_000,
                -12,
                20,
                1,
                1_700_000_300,
                5_000_000,
                1_699_999_990,
                5_010_000,
                -1500,
                -3000,
                2,
            ),
            *(None,) * 7,
        ),
    ),
    (SlotRecord(1, 49_997_500, 1, 0, 7, 0, -20, -1_000_000, -12), EMPTY),  # a batch of two slots
)
HEADER = BatchHeader(11, 22, 3, 31337, 4, 6, 1_699_999_940, 1_700_000_000)

HEADER_HEX = (
    "000000000000000000000000000000000000000000000000000000000000000b"
    "0000000000000000000000000000000000000000000000000000000000000016"
    "00000000000000030000000000007a6900000000000000040000000000000006"
    "000000006553f0c4000000006553f100"
)
VALIDIUM_HEX = (
    "01000002000001"
    "011a642f0e3c3af545e7acbd38b07251b3990914f121d66f0e2295ae954494f25889f9319cc1b4df71eff3f46ba9e4631b43fd7c950000000005f5e100000001"
    "021a642f0e3c3af545e7acbd38b07251b3990914f10000010000000002faf0800000000001312d00000000000000000000000000000000000000000000000000"
    "000001000000000000000000000000000000000000cafe0000000001c9c380"
)
ROLLUP_PREFIX_HEX = "00000002000001"
GLOBAL_HEX = (  # after the queue and withdrawal sections (the same bytes as in validium)
    "01000000000000000f4240000000000000000009c4006553f100"  # bitmap, fund, pool, funding time
    "00004c4b40006553f100fffffffffffffffffffff400000000001401006553f22c00004c4b40006553f0f600004c7250fffffa24fffffffffffffff44800000002"
)
ZEROS_HEX = "00" * 65 * 7  # markets 1..7, not configured
ACCOUNTS_HEX = (
    "000001" + "0000000000000002fae6bc" + "00000001" + "0000000000" + "00" * 31 + "07"  # slot 0: account 1
    "00ffffffffffffecfffffffffffffff0bdc0fffffffffffffffffffff4"  # ... market 0
)
EMPTY_HEX = "00" * 84  # slot 1: no account
ROLLUP_COMMITMENT = "321219110826a85d30458c386adeaf4cb2136249d02a6081cd70705d57dac942"
ROLLUP_PUBLIC_INPUT = 0x121219110826A85D30458C386ADEAF4CB2136249D02A6081CD70705D57DAC942
VALIDIUM_PUBLIC_INPUT = 0x0F522FDC87C4EEC688AA3A873051996FA1D3A31EEFF9444E40CC9458DD969D10
STATE_DIFF_HASH = "1a7a8b99ef46a4e6323e6ffebb4205f3e6b0939884848ba1fb8c976a95775de0"
DAC_HASH = "84c2fb9e267ba3f94c3723ddd895677165c4ebcd241d938eff93b3e216bfceec"


def rollup_hex() -> str:
    return ROLLUP_PREFIX_HEX + VALIDIUM_HEX[14:] + GLOBAL_HEX + ZEROS_HEX + ACCOUNTS_HEX + EMPTY_HEX


def test_vector_bytes() -> None:
    assert encode_header(HEADER).hex() == HEADER_HEX
    raw = encode_public_data(VECTOR)
    assert raw.hex() == rollup_hex() and len(raw) == 7 + 128 + 31 + 546 + 2 * 84
    assert decode_public_data(Mode.ROLLUP, raw) == VECTOR
    validium = VECTOR._replace(mode=Mode.VALIDIUM, global_state=None, accounts=())
    vraw = encode_public_data(validium)
    assert vraw.hex() == VALIDIUM_HEX
    assert commitment(Mode.ROLLUP, HEADER, raw).hex() == ROLLUP_COMMITMENT
    assert public_input(Mode.ROLLUP, HEADER, raw) == ROLLUP_PUBLIC_INPUT
    assert public_input(Mode.VALIDIUM, HEADER, vraw) == VALIDIUM_PUBLIC_INPUT
    assert state_diff_hash(VECTOR).hex() == STATE_DIFF_HASH
    assert dac_hash(ROLLUP_ADDRESS, HEADER, bytes.fromhex(STATE_DIFF_HASH)).hex() == DAC_HASH


def test_document_shows_the_vector() -> None:
    text = DOC.read_text()
    section = text[text.index("## 7. Batches and public data") : text.index("## 8. Domain tags")]
    flat = re.sub(r"\s+", "", section).lower()
    for value in (HEADER_HEX, VALIDIUM_HEX, ROLLUP_COMMITMENT, STATE_DIFF_HASH, DAC_HASH):
        assert value in flat, value
    assert f"{ROLLUP_PUBLIC_INPUT:#066x}" in flat and f"{VALIDIUM_PUBLIC_INPUT:#066x}" in flat
    head = ROLLUP_PREFIX_HEX + VALIDIUM_HEX[14:] + GLOBAL_HEX
    assert f"{head}(455zerobytes:markets1to7){ACCOUNTS_HEX}(84zerobytes:slot1)" in flat
