"""gyomu disclose new/document/return-requested/returned/extend/list/show."""

from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import disclosures
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record, print_json
from gyomu_cli.i18n import _

app = group("Provision to third parties: basis, minimum excerpt, package, return (Articles 9-12).")

Document = Annotated[Path | None, typer.Option("--document", help="The scanned document.", readable=False)]
Reference = Annotated[str | None, typer.Option("--document-ref", help="The paper document's reference number (only where allowed).")]
Id = Annotated[int, typer.Argument(metavar="DISCLOSURE")]


def _show(row: dict, as_json: bool) -> None:
    if as_json:
        print_json(row)
    else:
        typer.echo(row["id"])
        typer.echo(
            _("Disclosure {disclosure_id} ({basis}) is {state}.").format(disclosure_id=row["id"], basis=row["basis"], state=row["state"]),
            err=True,
        )


@app.command("new")
def new(
    ctx: typer.Context,
    basis: Annotated[str, typer.Option(help=f"One of: {', '.join(disclosures.BASES)}.")],
    recipient: Annotated[str, typer.Option(help="Who receives it.")],
    item: Annotated[list[str], typer.Option("--item", help="RECORDING[@FROM-TO][:caller|:staff]; repeat.")],
    output: Annotated[Path, typer.Option(help="A new folder for the package.", readable=False)],
    document: Document = None,
    document_ref: Reference = None,
    document_pending: Annotated[bool, typer.Option("--document-pending", help="Emergency only: the written request comes later (Art. 11-2).")] = False,
    decided_by: Annotated[str | None, typer.Option(help="Emergency: who decided for the mayor (Art. 9 (5)).")] = None,
    received_on: Annotated[str | None, typer.Option(help="Art. 12 requests: the day the request arrived.")] = None,
    note: Annotated[str, typer.Option(help="Anything the record should say.")] = "",
    json_: JsonOption = False,
) -> None:
    """Hand the minimum excerpts to a third party as a sealed package (administrator, password asked)."""
    with session(ctx) as s:
        row = disclosures.new(
            s, basis=basis, recipient=recipient, items=item, output=output, document=document,
            reference=document_ref, document_pending=document_pending, mayor=decided_by,
            received_on=received_on, note=note,
        )
    _show(row, json_)


@app.command("document")
def document(ctx: typer.Context, disclosure_id: Id, path: Annotated[Path, typer.Argument(help="The written request, received late.", readable=False)], json_: JsonOption = False) -> None:
    """Record the written request that arrived after an emergency provision (Art. 11-2)."""
    with session(ctx) as s:
        _show(disclosures.attach_document(s, disclosure_id, path), json_)


@app.command("return-requested")
def return_requested(ctx: typer.Context, disclosure_id: Id, document: Document = None, document_ref: Reference = None, json_: JsonOption = False) -> None:
    """Record that the recipient was asked to return or erase what it received (Art. 10-2)."""
    with session(ctx) as s:
        _show(disclosures.return_requested(s, disclosure_id, document, document_ref), json_)


@app.command("returned")
def returned(
    ctx: typer.Context,
    disclosure_id: Id,
    erased: Annotated[bool, typer.Option("--erased/--returned", help="Erased by the recipient, or returned.")] = False,
    document: Document = None,
    document_ref: Reference = None,
    json_: JsonOption = False,
) -> None:
    """Record the return or erasure, with its document: the disclosure closes and its holds lift."""
    with session(ctx) as s:
        _show(disclosures.returned(s, disclosure_id, "erased" if erased else "returned", document, document_ref), json_)


@app.command("extend")
def extend(ctx: typer.Context, disclosure_id: Id, reason: Annotated[str, typer.Option(help="Why the decision needs longer.")], json_: JsonOption = False) -> None:
    """Extend the decision on a data subject's request or an information-disclosure request by 30 days, once."""
    with session(ctx) as s:
        _show(disclosures.extend(s, disclosure_id, reason), json_)


@app.command("list")
def list_(
    ctx: typer.Context,
    open_: Annotated[bool, typer.Option("--open", help="Only those not closed.")] = False,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List disclosures, their state, pending documents and due dates."""
    with session(ctx) as s:
        rows = disclosures.list_disclosures(s, open_only=open_)
    emit(rows, ["id", "basis", "recipient", "state", "document_pending", "due_on", "items", "created_at"], as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("show")
def show(ctx: typer.Context, disclosure_id: Id, json_: JsonOption = False) -> None:
    """Show one disclosure in full."""
    with session(ctx) as s:
        emit_record(disclosures.get(s, disclosure_id), as_json=json_)
