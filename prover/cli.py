"""`zkclear groth16 ...` and `zkclear ptau ...`: the prover and the trusted setup from the shell.

`groth16 prove` and `groth16 verify` take the same arguments as the snarkjs commands of the same
name and behave the same way: exit 0 on success / a valid proof, non-zero with a one-line reason
otherwise.  Exit codes: 0 ok, 1 the proof (or key, or ptau) is invalid, 2 bad usage or malformed
input.  Long steps show progress bars on stderr unless --quiet.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from prover.progress import SILENT, Progress, RichProgress

EXIT_INVALID = 1
EXIT_BAD_INPUT = 2

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bars or informational output.")


def _progress(quiet: bool) -> Progress:
    if quiet or not sys.stderr.isatty():
        return SILENT
    return RichProgress()


def _info(quiet: bool, message: str) -> None:
    if not quiet:
        click.echo(message, err=True)


class BadInput(click.ClickException):
    exit_code = EXIT_BAD_INPUT


class Invalid(click.ClickException):
    exit_code = EXIT_INVALID


@contextmanager
def _errors() -> Iterator[None]:
    """Every library error becomes a one-line message and a non-zero exit, never a traceback.
    (The library's errors - FormatError, ProofFormatError, ProveError, VerifyError, SetupError,
    PTauError - all derive from ValueError; catching that keeps the setup modules and numpy out
    of `prove` and `verify`.)"""
    try:
        yield
    except click.ClickException:
        raise
    except (ValueError, OSError) as exc:
        raise BadInput(str(exc)) from None


def _parse_beacon(beacon_hash: str, exp: int) -> bytes:
    try:
        raw = bytes.fromhex(beacon_hash[2:] if beacon_hash.startswith("0x") else beacon_hash)
    except ValueError:
        raise BadInput("the beacon hash must be hexadecimal") from None
    if not 1 <= len(raw) <= 255:
        raise BadInput("the beacon hash must be 1 to 255 bytes")
    if not 10 <= exp <= 63:
        raise BadInput("the beacon's iteration exponent must be between 10 and 63")
    return raw


# ---- groth16 --------------------------------------------------------------------------------------
@click.group()
def groth16() -> None:
    """Groth16 proofs and circuit-specific setup (snarkjs-compatible files)."""


@groth16.command()
@click.argument("zkey", type=click.Path(dir_okay=False))
@click.argument("wtns", type=click.Path(dir_okay=False))
@click.argument("proof", type=click.Path(dir_okay=False, writable=True))
@click.argument("public", type=click.Path(dir_okay=False, writable=True))
@quiet_option
def prove(zkey: str, wtns: str, proof: str, public: str, quiet: bool) -> None:
    """Prove: witness WTNS + proving key ZKEY -> PROOF and PUBLIC (JSON, as snarkjs)."""
    from prover.formats.json_files import proof_to_json, public_to_json, write_json
    from prover.formats.wtns import read_wtns
    from prover.formats.zkey import read_zkey
    from prover.prove import prove as do_prove

    with _errors():
        t0 = time.perf_counter()
        with read_zkey(zkey) as zk:
            witness = read_wtns(wtns, copy=False)
            result = do_prove(zk, witness, progress=_progress(quiet))
        write_json(proof, proof_to_json(result.proof))
        write_json(public, public_to_json(result.public))
        _info(quiet, f"proof written to {proof} ({time.perf_counter() - t0:.2f} s)")


@groth16.command()
@click.argument("vk", type=click.Path(dir_okay=False))
@click.argument("public", type=click.Path(dir_okay=False))
@click.argument("proof", type=click.Path(dir_okay=False))
@quiet_option
def verify(vk: str, public: str, proof: str, quiet: bool) -> None:
    """Verify PROOF for the PUBLIC signals under the verification key VK (exit 0 iff valid)."""
    from prover.formats.json_files import load_json, proof_from_json, public_from_json, vk_from_json
    from prover.verify import verify as do_verify

    with _errors():
        key = vk_from_json(load_json(vk, "verification key"))
        signals = public_from_json(load_json(public, "public signals"))
        pf = proof_from_json(load_json(proof, "proof"))
        ok = do_verify(key, signals, pf)
    if not ok:
        raise Invalid("INVALID proof: the pairing equation does not hold")
    _info(quiet, "OK: the proof is valid")


@groth16.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, metavar="R1CS [PTAU] ZKEY")
@click.option("--vk", "vk_path", type=click.Path(dir_okay=False, writable=True), help="Also write VK.json.")
@quiet_option
def setup(paths: tuple[str, ...], vk_path: str | None, quiet: bool) -> None:
    """Circuit-specific setup.

    \b
    R1CS PTAU ZKEY: the initial key of a ceremony from a prepared PTAU (snarkjs `zkey new`).
    R1CS ZKEY: a single-party key (as gnark's groth16.Setup) for DEVNETS AND TESTS ONLY: whoever
    runs it could forge proofs; production keys come from the ceremony.
    """
    from prover.formats.json_files import vk_to_json, write_json
    from prover.formats.r1cs import read_r1cs
    from prover.formats.zkey import write_zkey
    from prover.setup.common import format_hash
    from prover.setup.phase2 import export_vk

    if len(paths) not in (2, 3):
        raise click.UsageError("expected R1CS ZKEY (single-party) or R1CS PTAU ZKEY (ceremony)")
    with _errors():
        circuit = read_r1cs(paths[0])
        if len(paths) == 2:
            from prover.setup.single import single_party_setup

            zk = single_party_setup(circuit, progress=_progress(quiet))
            write_zkey(paths[1], zk)
            _info(quiet, "Single-party key (devnets and tests only: its maker could forge proofs)")
        else:
            from prover.formats.ptau import read_ptau
            from prover.setup.phase2 import new_zkey

            with read_ptau(paths[1]) as pt:
                zk = new_zkey(circuit, pt, progress=_progress(quiet))
                write_zkey(paths[2], zk)
            _info(quiet, format_hash(zk.mpc.cs_hash, "Circuit hash:"))
        if vk_path:
            write_json(vk_path, vk_to_json(export_vk(zk)))


def _contribution(
    kind: str, old: str, new: str, quiet: bool, run: Callable[[Any, Progress], tuple[Any, bytes]]
) -> None:
    from prover.formats.zkey import read_zkey, write_zkey
    from prover.setup.common import format_hash

    with _errors(), read_zkey(old) as zk:
        out, chash = run(zk, _progress(quiet))
        write_zkey(new, out)
    click.echo(format_hash(chash, f"{kind} contribution hash:"))


@groth16.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False, writable=True))
@click.option("--name", "-n", default=None, help="Contributor name recorded in the key.")
@quiet_option
def contribute(old: str, new: str, name: str | None, quiet: bool) -> None:
    """Add a secret random contribution to a zkey (the secret is wiped, never written)."""
    from prover.setup.phase2 import contribute as do

    _contribution("Phase 2", old, new, quiet, lambda zk, pr: do(zk, name, progress=pr))


@groth16.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False, writable=True))
@click.argument("beacon_hash")
@click.argument("num_iterations_exp", type=int)
@click.option("--name", "-n", default=None)
@quiet_option
def beacon(
    old: str, new: str, beacon_hash: str, num_iterations_exp: int, name: str | None, quiet: bool
) -> None:
    """Finish phase 2 with a public random beacon (hex hash, 2^EXP iterations of SHA-256)."""
    from prover.setup.phase2 import beacon as do

    raw = _parse_beacon(beacon_hash, num_iterations_exp)
    _contribution(
        "Beacon", old, new, quiet, lambda zk, pr: do(zk, raw, num_iterations_exp, name, progress=pr)
    )


@groth16.command("verify-zkey")
@click.argument("r1cs", type=click.Path(dir_okay=False))
@click.argument("ptau", type=click.Path(dir_okay=False))
@click.argument("zkey", type=click.Path(dir_okay=False))
@quiet_option
def verify_zkey(r1cs: str, ptau: str, zkey: str, quiet: bool) -> None:
    """Check ZKEY was made from R1CS and PTAU by a valid chain of contributions."""
    from prover.formats.ptau import read_ptau
    from prover.formats.r1cs import read_r1cs
    from prover.formats.zkey import read_zkey
    from prover.setup.common import format_hash
    from prover.setup.phase2 import verify_zkey as do

    with _errors():
        circuit = read_r1cs(r1cs)
        with read_ptau(ptau) as pt, read_zkey(zkey) as zk:
            report = do(zk, circuit, pt, progress=_progress(quiet))
    if not quiet:
        click.echo(format_hash(report.cs_hash, "Circuit hash:"))
        for i, (name, chash, c) in enumerate(report.contributions, start=1):
            label = f"contribution #{i} {name or ''}".rstrip()
            click.echo(format_hash(chash, f"{label}:"))
            if c.type == 1 and c.beacon_hash is not None:
                click.echo(f"Beacon generator: {c.beacon_hash.hex()}  iterations exp: {c.num_iterations_exp}")
    if not report.ok:
        raise Invalid(f"INVALID zkey: {report.message}")
    _info(quiet, "ZKey OK")


@groth16.command("export-vk")
@click.argument("zkey", type=click.Path(dir_okay=False))
@click.argument("vk", type=click.Path(dir_okay=False, writable=True))
def export_vk(zkey: str, vk: str) -> None:
    """Write the verification key of ZKEY as snarkjs's verification_key.json."""
    from prover.formats.json_files import vk_to_json, write_json
    from prover.formats.zkey import read_zkey
    from prover.setup.phase2 import export_vk as do

    with _errors(), read_zkey(zkey) as zk:
        write_json(vk, vk_to_json(do(zk)))


@groth16.command("export-solidity")
@click.argument("key", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--contract", default="Groth16Verifier", show_default=True, help="Contract name.")
def export_solidity(key: str, out: str, contract: str) -> None:
    """Write a Solidity verifier for KEY (a .zkey or a verification_key.json)."""
    from prover.formats.json_files import load_json, vk_from_json
    from prover.formats.zkey import read_zkey
    from prover.setup.phase2 import export_vk as do
    from prover.solidity import render_verifier

    with _errors():
        if Path(key).suffix == ".json":
            vk = vk_from_json(load_json(key, "verification key"))
        else:
            with read_zkey(key) as zk:
                vk = do(zk)
        Path(out).write_text(render_verifier(vk, contract))


# ---- ptau ---------------------------------------------------------------------------------------------
@click.group()
def ptau() -> None:
    """Powers of tau (phase 1 of the trusted setup), snarkjs-compatible .ptau files."""


@ptau.command("new")
@click.argument("power", type=int)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@quiet_option
def ptau_new(power: int, out: str, quiet: bool) -> None:
    """A new accumulator for 2^POWER constraints."""
    from prover.formats.ptau import write_ptau
    from prover.setup.common import format_hash
    from prover.setup.phase1 import new_ptau

    with _errors():
        pt, first = new_ptau(power)
        write_ptau(out, pt)
    _info(quiet, format_hash(first, "First contribution hash:"))


def _ptau_contribution(
    old: str, new: str, quiet: bool, run: Callable[[Any, Progress], tuple[Any, bytes]]
) -> None:
    from prover.formats.ptau import read_ptau, write_ptau
    from prover.setup.common import format_hash

    with _errors(), read_ptau(old) as pt:
        out, resp = run(pt, _progress(quiet))
        write_ptau(new, out)
    click.echo(format_hash(resp, "Contribution response hash:"))
    _info(quiet, format_hash(out.contributions[-1].next_challenge, "Next challenge hash:"))


@ptau.command("contribute")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False, writable=True))
@click.option("--name", "-n", default=None)
@quiet_option
def ptau_contribute(old: str, new: str, name: str | None, quiet: bool) -> None:
    """Add a secret random contribution (tau, alpha, beta are wiped, never written)."""
    from prover.setup.phase1 import contribute as do

    _ptau_contribution(old, new, quiet, lambda pt, pr: do(pt, name, progress=pr))


@ptau.command("beacon")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False, writable=True))
@click.argument("beacon_hash")
@click.argument("num_iterations_exp", type=int)
@click.option("--name", "-n", default=None)
@quiet_option
def ptau_beacon(
    old: str, new: str, beacon_hash: str, num_iterations_exp: int, name: str | None, quiet: bool
) -> None:
    """Finish phase 1 with a public random beacon."""
    from prover.setup.phase1 import beacon as do

    raw = _parse_beacon(beacon_hash, num_iterations_exp)
    _ptau_contribution(old, new, quiet, lambda pt, pr: do(pt, raw, num_iterations_exp, name, progress=pr))


@ptau.command("prepare")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False, writable=True))
@quiet_option
def ptau_prepare(old: str, new: str, quiet: bool) -> None:
    """Compute the Lagrange bases phase 2 needs (snarkjs `powersoftau prepare phase2`)."""
    from prover.formats.ptau import read_ptau, write_ptau
    from prover.setup.phase1 import prepare as do

    with _errors():
        t0 = time.perf_counter()
        with read_ptau(old) as pt:
            write_ptau(new, do(pt, progress=_progress(quiet)))
    _info(quiet, f"prepared in {time.perf_counter() - t0:.1f} s")


@ptau.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@quiet_option
def ptau_verify(file: str, quiet: bool) -> None:
    """Verify a powers-of-tau transcript (every contribution, the points, the Lagrange bases)."""
    from prover.formats.ptau import read_ptau
    from prover.setup.common import format_hash
    from prover.setup.phase1 import verify_ptau as do

    with _errors(), read_ptau(file) as pt:
        report = do(pt, progress=_progress(quiet))
    if not quiet and report.contributions:
        for cid, name, resp, _nxt in report.contributions:
            click.echo(
                format_hash(resp, f"Contribution #{cid} {name or ''}: response hash".replace("  ", " "))
            )
    if not report.ok:
        raise Invalid(f"INVALID powers of tau: {report.message}")
    _info(quiet, report.message)
