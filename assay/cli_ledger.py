"""``assay ledger``: verify the ledger, record deposits, run the money sweep and payouts."""

from __future__ import annotations

import sys

import click


def _ready() -> None:
    from assay.cli import _ready_schema, _setup

    _setup()
    _ready_schema()


@click.group("ledger")
def ledger() -> None:
    """Money: invariant checks, deposits, auto-approval and payouts."""


@ledger.command("check")
def check() -> None:
    """Verify every ledger invariant; exits 1 if any is broken."""
    _ready()
    from assay.ledger_check import run_checks

    broken = 0
    for name, breaches in run_checks():
        click.echo(f"{'ok  ' if not breaches else 'FAIL'} {name}")
        for breach in breaches:
            click.echo(f"     {breach.detail}")
        broken += len(breaches)
    if broken:
        click.echo(f"{broken} breach(es) found.", err=True)
        sys.exit(1)
    click.echo("The ledger is consistent.")


@ledger.command("deposit")
@click.option("--organization", "organization_id", type=int, default=None, help="Organization id.")
@click.option("--platform", is_flag=True, help="Deposit into platform funds instead.")
@click.option("--amount", required=True, help="Amount such as 250.00.")
@click.option("--currency", default=None, help="ISO 4217 code; defaults to ASSAY_CURRENCY.")
@click.option("--key", required=True, help="Idempotency key: the same key never deposits twice.")
@click.option("--reference", default="", help="Bank or provider reference, kept in the memo.")
@click.option("--operator", "operator_email", required=True, help="Email of the operator.")
def deposit(
    organization_id: int | None,
    platform: bool,
    amount: str,
    currency: str | None,
    key: str,
    reference: str,
    operator_email: str,
) -> None:
    """Record money received from outside (manual payment provider)."""
    _ready()
    from django.conf import settings

    from assay.actions import ledger as money
    from assay.actions.approvals import after_deposit
    from assay.domain.pay import format_money, parse_money
    from assay.errors import AssayError
    from assay.models import Organization, User

    if platform == (organization_id is not None):
        raise click.UsageError("Give either --organization ID or --platform.")
    operator = User.objects.filter(email=operator_email, role=User.Role.OPERATOR).first()
    if operator is None:
        raise click.ClickException(f"No operator with email {operator_email}.")
    try:
        cents = parse_money(amount)
    except ValueError:
        raise click.ClickException(f"Not an amount: {amount!r} (use 250 or 250.00).") from None
    organization = None
    if organization_id is not None:
        organization = Organization.objects.filter(id=organization_id).first()
        if organization is None:
            raise click.ClickException(f"No organization {organization_id}.")
    try:
        tx, new = money.deposit(
            actor=operator,
            organization=organization,
            amount_cents=cents,
            currency=currency or settings.CURRENCY,
            key=key,
            reference=reference,
        )
    except AssayError as error:
        raise click.ClickException(error.message) from None
    if organization is not None and new:
        after_deposit(organization.id)
    verb = "Recorded" if new else "Already recorded"
    click.echo(f"{verb}: deposit #{tx.id} of {format_money(cents, tx.currency)}.")


@ledger.command("sweep")
def sweep() -> None:
    """Approve submissions past the approval window and apply pay-floor top-ups."""
    _ready()
    from assay.actions.approvals import sweep as run

    approved, raised = run()
    click.echo(f"Approved automatically: {approved}; projects whose pay rose: {raised}.")


@ledger.command("payouts")
@click.option("--operator", "operator_email", required=True, help="Email of the operator.")
def payouts(operator_email: str) -> None:
    """Move available balances over the minimum into transit and write batch files."""
    _ready()
    from assay.actions.payouts import batch_path, run_payouts
    from assay.models import User

    operator = User.objects.filter(email=operator_email, role=User.Role.OPERATOR).first()
    if operator is None:
        raise click.ClickException(f"No operator with email {operator_email}.")
    batches = run_payouts(actor=operator)
    if not batches:
        click.echo("Nothing to pay out.")
    for batch in batches:
        click.echo(f"Batch {batch.id} ({batch.currency}): {batch_path(batch)}")


@ledger.command("confirm")
@click.argument("batch_id", type=int)
@click.option("--failed", multiple=True, type=int, help="Payout id the provider could not pay.")
@click.option("--operator", "operator_email", required=True, help="Email of the operator.")
def confirm(batch_id: int, failed: tuple[int, ...], operator_email: str) -> None:
    """Mark a batch paid once the provider confirms it (failed payouts are returned)."""
    _ready()
    from assay.actions.payouts import confirm_batch
    from assay.errors import AssayError
    from assay.models import User

    operator = User.objects.filter(email=operator_email, role=User.Role.OPERATOR).first()
    if operator is None:
        raise click.ClickException(f"No operator with email {operator_email}.")
    try:
        paid, returned = confirm_batch(
            actor=operator,
            batch_id=batch_id,
            failed=dict.fromkeys(failed, "The payment provider reported the transfer failed."),
        )
    except AssayError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Batch {batch_id}: {paid} paid, {returned} returned to balances.")
