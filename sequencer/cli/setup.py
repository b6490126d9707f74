"""`zkclear setup`: the phase-2 (circuit-specific) Groth16 ceremony for a batch size, so an operator
can run a real one with several parties (protocol.md 9), and the key set the node's
`--prover-keys DIR` reads.

    zkclear setup --slots N [--queue Q --withdrawals W --mode M] --ptau PTAU --out DIR [--beacon HASH]
        the whole ceremony on one machine: new, one contribution, the beacon (if given), verify, export
    zkclear setup new --slots N ... --ptau PTAU --out DIR     the circuit and the initial key
    zkclear setup contribute --out DIR [--name NAME]         one party's secret contribution
    zkclear setup beacon --out DIR HASH [--exp E]            the final public-beacon contribution
    zkclear setup verify --out DIR --ptau PTAU               check the chain (snarkjs zkey verify)
    zkclear setup export --out DIR                           batch.zkey, verification_key.json, .sol

DIR holds `batch.r1cs`, `ceremony.json` (the circuit's name, its R1CS sha256 and the verifier's
contract name) and the chain of keys `ceremony/NNNN.zkey` (0000: the initial key; each party adds
the next, so parties contribute in turn by passing DIR, or only its last zkey, along). `export`
writes what the prover stage reads: `batch.zkey`, `verification_key.json` and `r1cs.sha256`
(sequencer/proving/keys.py), and the Solidity verifier `<contract>.sol` (prover/solidity.py).
`--r1cs FILE` instead of `--slots` runs the same ceremony for any circuit file.

Each contribution's secret comes from the native engine's CSPRNG, stays in C memory and is wiped
after use (prover/setup/common.py); it is never written or shown.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from circuits.batch.batch import BatchCircuit
from prover.formats.json_files import vk_to_json
from prover.formats.ptau import read_ptau
from prover.formats.r1cs import read_r1cs
from prover.formats.zkey import read_zkey, write_zkey
from prover.progress import SILENT, Progress, RichProgress
from prover.setup.common import format_hash
from prover.setup.phase2 import beacon as zkey_beacon
from prover.setup.phase2 import contribute as zkey_contribute
from prover.setup.phase2 import contribution_hash, export_vk, new_zkey, verify_zkey
from prover.solidity import render_verifier
from sequencer.batch_keys import verifier_name
from sequencer.cli.batch import parse_shape, shape_options

R1CS_FILE = "batch.r1cs"
META_FILE = "ceremony.json"
CHAIN_DIR = "ceremony"
KEY_FILE, VK_FILE, DIGEST_FILE = "batch.zkey", "verification_key.json", "r1cs.sha256"


class SetupCliError(click.ClickException):
    exit_code = 2


class InvalidKey(click.ClickException):
    exit_code = 1


def _progress(quiet: bool) -> Progress:
    return SILENT if quiet or not sys.stderr.isatty() else RichProgress()


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        click.echo(message, err=True)


def _meta(out: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads((out / META_FILE).read_text())
    except (OSError, ValueError) as e:
        raise SetupCliError(
            f"{out}: no ceremony here ({META_FILE}: {e}); start one with `zkclear setup new`"
        ) from e
    return meta


def _chain(out: Path) -> list[Path]:
    keys = sorted((out / CHAIN_DIR).glob("[0-9][0-9][0-9][0-9].zkey"))
    if not keys:
        raise SetupCliError(f"{out}: the ceremony has no key yet; start one with `zkclear setup new`")
    return keys


def _replace(path: Path, write: Any) -> None:
    """Write through a temporary file, then rename: a crash never leaves a half file in place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _guard(fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except (ValueError, OSError) as e:  # the prover's format and setup errors are ValueErrors
        raise SetupCliError(f"{type(e).__name__}: {e}") from e


def do_new(
    out: Path,
    ptau: Path,
    r1cs_path: Path | None,
    shape_args: tuple[Any, ...] | None,
    contract: str | None,
    quiet: bool,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if (out / CHAIN_DIR).exists() and any((out / CHAIN_DIR).iterdir()):
        raise SetupCliError(f"{out}: a ceremony is already under way here")
    if r1cs_path is None:
        assert shape_args is not None
        shape = parse_shape(*shape_args)
        _say(quiet, f"[new] building the {shape.name} circuit")
        program = _guard(lambda: BatchCircuit(shape).program)
        _replace(out / R1CS_FILE, program.write_r1cs)
        name, contract = shape.name, contract or verifier_name(shape)
    else:
        _replace(out / R1CS_FILE, lambda p: shutil.copyfile(r1cs_path, p))
        name, contract = r1cs_path.name, contract or "Groth16Verifier"
    digest = hashlib.sha256((out / R1CS_FILE).read_bytes()).hexdigest()
    r1cs = _guard(read_r1cs, out / R1CS_FILE)
    _say(quiet, f"[new] {name}: {r1cs.n_constraints} constraints; the initial key from {ptau}")
    with _guard(read_ptau, ptau) as pt:
        zk = _guard(new_zkey, r1cs, pt, progress=_progress(quiet))
    (out / CHAIN_DIR).mkdir(exist_ok=True)
    _replace(out / CHAIN_DIR / "0000.zkey", lambda p: write_zkey(p, zk))
    meta = {"circuit": name, "r1cs_sha256": digest, "contract": contract}
    _replace(out / META_FILE, lambda p: Path(p).write_text(json.dumps(meta, indent=1) + "\n"))
    click.echo(format_hash(zk.mpc.cs_hash, "Circuit hash:"))


def _next(out: Path, kind: str, quiet: bool, run: Any) -> Path:
    _meta(out)
    last = _chain(out)[-1]
    nxt = last.with_name(f"{int(last.stem) + 1:04d}.zkey")
    _say(quiet, f"[{kind}] {last.name} -> {nxt.name}")
    with _guard(read_zkey, last) as zk:
        new, chash = _guard(run, zk, _progress(quiet))
        _replace(nxt, lambda p: write_zkey(p, new))
    click.echo(format_hash(chash, f"{kind} contribution hash ({nxt.name}):"))
    return nxt


def do_contribute(out: Path, name: str | None, quiet: bool) -> Path:
    return _next(out, "contribute", quiet, lambda zk, pr: zkey_contribute(zk, name, progress=pr))


def do_beacon(out: Path, beacon_hash: str, exp: int, name: str | None, quiet: bool) -> Path:
    try:
        raw = bytes.fromhex(beacon_hash.removeprefix("0x"))
    except ValueError as e:
        raise SetupCliError("the beacon hash must be hexadecimal") from e
    return _next(out, "beacon", quiet, lambda zk, pr: zkey_beacon(zk, raw, exp, name, progress=pr))


def _check_chain(keys: list[Path]) -> None:
    """Each key of the folder's chain extends the one before (its contributions come first), so the
    last key holds every party's contribution: none was dropped or replaced."""
    prev: list[bytes] = []
    for path in keys:
        with _guard(read_zkey, path) as zk:
            have = [contribution_hash(c) for c in zk.mpc.contributions]
        if have[: len(prev)] != prev or len(have) != len(prev) + (0 if path.stem == "0000" else 1):
            raise InvalidKey(
                f"INVALID chain: {path.name} does not extend the key before it by one contribution"
            )
        prev = have


def do_verify(out: Path, ptau: Path, quiet: bool) -> None:
    meta = _meta(out)
    keys = _chain(out)
    _check_chain(keys)
    last = keys[-1]
    if hashlib.sha256((out / R1CS_FILE).read_bytes()).hexdigest() != meta["r1cs_sha256"]:
        raise InvalidKey(f"{out / R1CS_FILE} is not the circuit this ceremony started with")
    r1cs = _guard(read_r1cs, out / R1CS_FILE)
    _say(quiet, f"[verify] {last.name} against {R1CS_FILE} and {ptau}")
    with _guard(read_ptau, ptau) as pt, _guard(read_zkey, last) as zk:
        report = _guard(verify_zkey, zk, r1cs, pt, progress=_progress(quiet))
    for i, (who, chash, _) in enumerate(report.contributions, start=1):
        click.echo(format_hash(chash, f"contribution #{i} {who or ''}".rstrip() + ":"))
    if not report.ok:
        raise InvalidKey(f"INVALID key {last}: {report.message}")
    click.echo("ZKey OK")


def do_export(out: Path, quiet: bool) -> None:
    meta = _meta(out)
    last = _chain(out)[-1]
    _say(quiet, f"[export] {last.name} -> {KEY_FILE}, {VK_FILE}, {meta['contract']}.sol")
    with _guard(read_zkey, last) as zk:
        vk = _guard(export_vk, zk)
    _replace(out / KEY_FILE, lambda p: shutil.copyfile(last, p))
    _replace(out / VK_FILE, lambda p: Path(p).write_text(json.dumps(vk_to_json(vk), indent=1) + "\n"))
    _replace(
        out / f"{meta['contract']}.sol", lambda p: Path(p).write_text(render_verifier(vk, meta["contract"]))
    )
    # last: marks a complete key set for the prover stage (sequencer/proving/keys.py)
    _replace(out / DIGEST_FILE, lambda p: Path(p).write_text(meta["r1cs_sha256"] + "\n"))
    click.echo(
        f"{out}: {KEY_FILE}, {VK_FILE}, {DIGEST_FILE}, {meta['contract']}.sol (zkclear node --prover-keys {out})"
    )


out_option = click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                          help="The ceremony's folder.")  # fmt: skip
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bars or step lines.")


def circuit_options(fn: Any) -> Any:
    fn = click.option("--contract", default=None, help="The verifier contract's name (default BatchVerifier<slots>_<mode>).")(fn)  # fmt: skip
    fn = click.option("--r1cs", "r1cs_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
                      help="Any circuit's .r1cs instead of the batch circuit of --slots.")(fn)  # fmt: skip
    return shape_options(fn)


@click.group(invoke_without_command=True)
@circuit_options
@click.option("--ptau", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A prepared powers of tau (zkclear ptau prepare) large enough for the circuit.")  # fmt: skip
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="The ceremony's folder."
)
@click.option("--beacon", "beacon_hash", default=None, help="Finish with this public beacon (hex hash).")
@click.option("--exp", type=click.IntRange(10, 63), default=10, show_default=True, help="Beacon: 2^EXP SHA-256 iterations.")  # fmt: skip
@click.option("--name", default=None, help="This party's name, recorded in its contribution.")
@quiet_option
@click.pass_context
def setup(ctx: click.Context, slots: int, queue: int | None, withdrawals: int | None, mode: str,
          r1cs_path: Path | None, contract: str | None, ptau: Path | None, out: Path | None,
          beacon_hash: str | None, exp: int, name: str | None, quiet: bool) -> None:  # fmt: skip
    """The phase-2 Groth16 ceremony for a batch size (alone: every step on this machine)."""
    if ctx.invoked_subcommand is not None:
        return
    if ptau is None or out is None:
        raise click.UsageError(
            "--ptau and --out are needed (or a subcommand: new, contribute, beacon, verify, export)"
        )
    do_new(out, ptau, r1cs_path, (slots, queue, withdrawals, mode), contract, quiet)
    do_contribute(out, name, quiet)
    if beacon_hash is not None:
        do_beacon(out, beacon_hash, exp, "beacon", quiet)
    do_verify(out, ptau, quiet)
    do_export(out, quiet)


@setup.command()
@circuit_options
@click.option("--ptau", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True,
              help="A prepared powers of tau (zkclear ptau prepare) large enough for the circuit.")  # fmt: skip
@out_option
@quiet_option
def new(slots: int, queue: int | None, withdrawals: int | None, mode: str, r1cs_path: Path | None,
        contract: str | None, ptau: Path, out: Path, quiet: bool) -> None:  # fmt: skip
    """Start a ceremony: the circuit (batch.r1cs) and the initial key ceremony/0000.zkey."""
    do_new(out, ptau, r1cs_path, (slots, queue, withdrawals, mode), contract, quiet)


@setup.command()
@out_option
@click.option("--name", default=None, help="This party's name, recorded in its contribution.")
@quiet_option
def contribute(out: Path, name: str | None, quiet: bool) -> None:
    """Add this party's secret contribution: the next key of the chain."""
    do_contribute(out, name, quiet)


@setup.command()
@out_option
@click.argument("beacon_hash")
@click.option(
    "--exp", type=click.IntRange(10, 63), default=10, show_default=True, help="2^EXP SHA-256 iterations."
)
@click.option("--name", default="beacon")
@quiet_option
def beacon(out: Path, beacon_hash: str, exp: int, name: str, quiet: bool) -> None:
    """Finish with a public random beacon (a hex hash published after the last contribution)."""
    do_beacon(out, beacon_hash, exp, name, quiet)


@setup.command()
@out_option
@click.option("--ptau", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True)
@quiet_option
def verify(out: Path, ptau: Path, quiet: bool) -> None:
    """Check the last key was made from batch.r1cs and PTAU by a valid chain (exit 1 if not)."""
    do_verify(out, ptau, quiet)


@setup.command()
@out_option
@quiet_option
def export(out: Path, quiet: bool) -> None:
    """Write the node's key set (batch.zkey, verification_key.json, r1cs.sha256) and the verifier."""
    do_export(out, quiet)
