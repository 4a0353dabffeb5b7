"""`arcadia audit [--tenant T]` and `arcadia audit fix [--yes]`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from arcadia_ops.audit import AuditReport, Finding, build_report
from arcadia_ops.cli.common import places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, age, emit_json, out, run, table
from arcadia_ops.fixes import fix

app = typer.Typer(help="Check that the services agree (invariant 6), and more.")

TenantOption = Annotated[
    str | None, typer.Option("--tenant", help="only this tenant's deployments")
]
LagOption = Annotated[
    int, typer.Option("--lag-bound", help="a live group further behind than this is a finding")
]


def render(report: AuditReport) -> None:
    scope = f"tenant {report.tenant}" if report.tenant else "every tenant"
    out.print(
        f"[bold]audit[/bold] at {report.checked_at:%Y-%m-%d %H:%M:%S} ({scope}):"
        f" {report.deployments} deployments"
    )
    out.print(
        table(
            "outbox",
            ["service", "unsent", "oldest unsent", "parked"],
            [(b.service, b.unsent, age(b.oldest_unsent_age), b.parked) for b in report.backlog],
        )
    )
    out.print(
        table(
            "consumer groups",
            ["service", "group", "state", "members", "lag"],
            [(g.service, g.group, g.state, g.members, g.lag) for g in report.lag],
        )
    )
    if report.clean:
        out.print("[bold green]clean:[/bold green] the services agree")
        return
    out.print(findings_table(report.findings))
    out.print(f"[bold red]{len(report.findings)} finding(s)[/bold red]")


def findings_table(findings: list[Finding]) -> object:
    return table(
        "findings",
        ["kind", "deployment", "detail", "fix"],
        [
            (
                Text(f.kind, style="bold red"),
                f.deployment_id,
                f.detail,
                Text(f.fix, style="green" if f.fixable else "yellow"),
            )
            for f in findings
        ],
    )


@app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    tenant: TenantOption = None,
    lag_bound: LagOption = 1000,
    as_json: JsonOption = False,
) -> None:
    """Every deployment's story across the services; exit 1 if anything disagrees."""
    if ctx.invoked_subcommand is not None:
        return
    report = run(build_report(places(), tenant=tenant, lag_bound=lag_bound))
    if as_json:
        emit_json(report.to_json())
    else:
        render(report)
    raise typer.Exit(OK if report.clean else PROBLEM)


@app.command("fix")
def fix_command(
    yes: Annotated[bool, typer.Option("--yes", help="apply (without it: a dry run)")] = False,
    tenant: TenantOption = None,
    deployment: Annotated[
        str | None, typer.Option("--deployment", help="only this deployment's findings")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="only findings of this kind")] = None,
    as_json: JsonOption = False,
) -> None:
    """Repair the fixable findings through each service's own path (a dry run unless --yes).

    Fixable: outbox_parked (the service releases the row) and subscription_missing (billing
    subscribes the active deployment again, on the plan its saga asked for). Exit 1 if a fix
    failed."""
    report = run(build_report(places(), tenant=tenant))
    chosen = [
        f
        for f in report.findings
        if (deployment is None or f.deployment_id == deployment)
        and (kind is None or f.kind == kind)
    ]
    results = run(fix(places(), chosen, yes=yes))
    if as_json:
        emit_json({"dry_run": not yes, "results": results})
    else:
        out.print(
            table(
                "fixes" + ("" if yes else " (dry run: add --yes to apply)"),
                ["kind", "deployment", "applied", "outcome"],
                [(r.finding.kind, r.finding.deployment_id, r.applied, r.outcome) for r in results],
            )
        )
        left = [f for f in chosen if not f.fixable]
        if left:
            out.print(f"[yellow]{len(left)} finding(s) need a hand[/yellow]: run `arcadia audit`")
    failed = [r for r in results if not r.applied]
    raise typer.Exit(PROBLEM if failed else OK)
