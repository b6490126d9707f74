"""The `zkclear` command.  Subcommands live beside the code they drive and are imported lazily,
so `zkclear groth16 verify` does not pay for the sequencer's imports and vice versa."""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "devnet": "zkclear.devnet:devnet",
    "node": "sequencer.cli.node:node",
    "account": "client.cli.account:account",
    "order": "client.cli.trade:order",
    "deposit": "client.cli.deposit:deposit",
    "claim": "client.cli.l1:claim",
    "forced-withdraw": "client.cli.l1:forced_withdraw",
    "l1": "client.cli.l1:l1_group",
    "exit": "client.cli.exit:exit_cmd",
    "withdraw": "client.cli.trade:withdraw",
    "markets": "client.cli.trade:markets",
    "book": "client.cli.trade:book",
    "groth16": "prover.cli:groth16",
    "batch": "sequencer.cli.batch:batch",
    "batches": "client.cli.batches:batches",
    "ptau": "prover.cli:ptau",
    "verify": "client.cli.verify:verify",
    "dac-member": "sequencer.dac.cli:dac_member",
    "setup": "sequencer.cli.setup:setup",
    "prover-worker": "sequencer.cli.prover_worker:prover_worker",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zkclear")
def main() -> None:
    """zkclear: zk-rollup clearinghouse for crypto derivatives."""
