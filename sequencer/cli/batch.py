"""`zkclear batch`: the batch circuit's files for a batch size, and the witness of a node's closed
batch, so that our prover or snarkjs can prove it.

    zkclear batch build [--slots N] [--queue Q] [--withdrawals W] --out DIR [--ptau PTAU]
        DIR/batch.r1cs, DIR/constraints.json (by part and by slot scope), DIR/batch.zkey and
        DIR/verification_key.json: a single-party key (devnets and tests only) unless --ptau names
        a prepared powers of tau, which starts a ceremony's key instead (snarkjs `zkey new`).
    zkclear batch witness --data-dir D --batch N [--genesis G] [--slots N ...] --out FILE.wtns
        replays the node's journal up to closed batch N, builds its witness for the shape and
        writes it (snarkjs `wtns check` / `groth16 prove` read it); also FILE.public.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from circuits.batch.batch import BatchCircuit, BatchShape
from circuits.batch.report import batch_report
from circuits.batch.witness import BatchTooLarge
from circuits.dsl import UnsatisfiedConstraint
from protocol.pubdata.fields import Mode
from protocol.slots import DEFAULT_BATCH_SLOTS, UnsupportedStep
from sequencer.journal.store import Store
from sequencer.node.defaults import devnet_config, load_genesis
from sequencer.prover_inputs import circuit_inputs
from sequencer.proving.replay import replay_batch

DEFAULT_SLOTS = DEFAULT_BATCH_SLOTS  # the node's default (--batch-slots): witnesses fit the built key
F = TypeVar("F", bound=Callable[..., Any])


class BatchCliError(click.ClickException):
    exit_code = 2


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (BatchTooLarge, UnsupportedStep, UnsatisfiedConstraint, OSError, ValueError) as e:
        raise BatchCliError(f"{type(e).__name__}: {e}") from e


def shape_options(fn: F) -> F:
    fn = click.option(
        "--mode",
        type=click.Choice(["validium", "rollup"]),
        default="validium",
        show_default=True,
        help="Data mode: rollup also publishes and hashes the state diff (protocol.md 7.5-7.7).",
    )(fn)
    fn = click.option(
        "--withdrawals", type=int, default=None, help="Withdrawal capacity (default slots/8, >= 1)."
    )(fn)
    fn = click.option("--queue", type=int, default=None, help="L1 queue capacity (default slots/8, >= 1).")(
        fn
    )
    fn = click.option("--slots", type=int, default=DEFAULT_SLOTS, show_default=True, help="Slots per batch.")(
        fn
    )
    return fn


def parse_shape(slots: int, queue: int | None, withdrawals: int | None, mode: str = "validium") -> BatchShape:
    if slots < 1 or (queue is not None and queue < 1) or (withdrawals is not None and withdrawals < 1):
        raise BatchCliError("--slots, --queue and --withdrawals must be at least 1")
    d = BatchShape.default(slots)
    return BatchShape(slots, queue or d.queue, withdrawals or d.withdrawals, Mode[mode.upper()])


@click.group()
def batch() -> None:
    """The batch circuit: build its files, compute a closed batch's witness."""


@batch.command()
@shape_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--ptau", type=click.Path(dir_okay=False, exists=True), default=None, help="Prepared powers of tau."
)
@click.option("--no-key", is_flag=True, help="Write the R1CS and the report only.")
def build(
    slots: int,
    queue: int | None,
    withdrawals: int | None,
    mode: str,
    out_dir: Path,
    ptau: str | None,
    no_key: bool,
) -> None:
    """Write the circuit, its constraint report and (unless --no-key) its proving key."""
    from prover.formats.json_files import vk_to_json, write_json
    from prover.formats.zkey import write_zkey
    from prover.setup.phase2 import export_vk

    shape = parse_shape(slots, queue, withdrawals, mode)
    with _errors():
        out_dir.mkdir(parents=True, exist_ok=True)
        program = BatchCircuit(shape).program
        program.write_r1cs(out_dir / "batch.r1cs")
        report = batch_report(shape, program)
        (out_dir / "constraints.json").write_text(json.dumps(report, indent=1) + "\n")
        click.echo(f"{shape.name}: {program.n_constraints} constraints, {report['per_slot']} per slot")
        if no_key:
            return
        r1cs = program.r1cs()
        if ptau is None:
            from prover.setup.single import single_party_setup

            zk = single_party_setup(r1cs)
            click.echo("single-party key (devnets and tests only: its maker could forge proofs)")
        else:
            from prover.formats.ptau import read_ptau
            from prover.setup.phase2 import new_zkey

            with read_ptau(ptau) as pt:
                zk = new_zkey(r1cs, pt)
        write_zkey(out_dir / "batch.zkey", zk)
        write_json(out_dir / "verification_key.json", vk_to_json(export_vk(zk)))


@batch.command()
@click.option("--data-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True)
@click.option("--genesis", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None)
@click.option("--batch", "number", type=int, required=True)
@shape_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def witness(
    data_dir: Path,
    genesis: Path | None,
    number: int,
    slots: int,
    queue: int | None,
    withdrawals: int | None,
    mode: str,
    out: Path,
) -> None:
    """Write the witness of closed batch N of a node's journal (and its public input)."""
    shape = parse_shape(slots, queue, withdrawals, mode)
    config = load_genesis(genesis) if genesis is not None else devnet_config()
    with _errors():
        store = Store(data_dir / "journal.db")
        try:
            b, g_before, acc_before = replay_batch(config, store, number)
        finally:
            store.close()
        ci = circuit_inputs(config, shape, b, acc_before, g_before)
        solved = BatchCircuit(shape).program.solve(ci.inputs)
        solved.write_wtns(out)
        out.with_suffix(".public.json").write_text(json.dumps([str(ci.public_input)]) + "\n")
        click.echo(f"batch {number}: witness of {shape.name} written to {out}")
