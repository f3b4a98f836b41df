"""gyomu request new/opinion/close/list/show, gyomu grant, deny, view."""

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import requests, viewing
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record, print_json
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _

log = logging.getLogger(__name__)

app = group("Viewing requests: written, decided by the administrator, viewed (Article 8).")

Document = Annotated[Path | None, typer.Option("--document", help="The scanned written document.", readable=False)]
Reference = Annotated[str | None, typer.Option("--document-ref", help="The paper document's reference number (only where allowed).")]


def _show(request: dict, as_json: bool) -> None:
    if as_json:
        print_json(request)
    else:
        typer.echo(request["id"])
        typer.echo(_("Request {request_id} is {state}.").format(request_id=request["id"], state=request["state"]), err=True)


@app.command("new")
def new(
    ctx: typer.Context,
    requester: Annotated[str, typer.Option(help="The section head who asked in writing (Art. 8-1).")],
    purpose: Annotated[str, typer.Option(help="dispute (Art. 7-1 (1)) or business (Art. 7-1 (4)).")],
    recording: Annotated[list[int], typer.Option("--recording", help="A recording to view; repeat for several.")],
    reason: Annotated[str, typer.Option(help="What happened and why it must be seen.")],
    from_: Annotated[str | None, typer.Option("--from", help="Start, wall-clock on the recording's date (10:16:00) or ISO 8601.")] = None,
    to: Annotated[str | None, typer.Option(help="End, like --from.")] = None,
    channel: Annotated[str | None, typer.Option(help="For a two-channel call: caller or staff only.")] = None,
    document: Document = None,
    document_ref: Reference = None,
    json_: JsonOption = False,
) -> None:
    """Key in a section head's written request to view recordings."""
    with session(ctx) as s:
        request = requests.new(
            s, requester=requester, purpose=purpose, recordings=recording, start=from_, end=to,
            channel=channel, reason=reason, document=document, reference=document_ref,
        )
    _show(request, json_)


@app.command("opinion")
def opinion(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(metavar="REQUEST")],
    by: Annotated[str, typer.Option(help="The responsible section's head who gave the opinion (Art. 8-3).")],
    agree: Annotated[bool, typer.Option("--agree/--disagree", help="Whether they agree to the viewing.")],
    note: Annotated[str, typer.Option(help="What they said.")] = "",
    document: Document = None,
    document_ref: Reference = None,
    json_: JsonOption = False,
) -> None:
    """Record the responsible head's opinion on another section's request; it does not decide."""
    with session(ctx) as s:
        request = requests.opinion(s, request_id, by=by, agree=agree, note=note, document=document, reference=document_ref)
    _show(request, json_)


@app.command("close")
def close(ctx: typer.Context, request_id: Annotated[int, typer.Argument(metavar="REQUEST")], json_: JsonOption = False) -> None:
    """Close a request: its holds are released."""
    with session(ctx) as s:
        request = requests.close(s, request_id)
    _show(request, json_)


@app.command("list")
def list_(
    ctx: typer.Context,
    open_: Annotated[bool, typer.Option("--open", help="Only requests not closed.")] = False,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List requests and their states."""
    with session(ctx) as s:
        rows = requests.list_requests(s, open_only=open_)
    emit(rows, ["id", "state", "purpose", "requester", "section", "recordings", "created_at"], as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("show")
def show(ctx: typer.Context, request_id: Annotated[int, typer.Argument(metavar="REQUEST")], json_: JsonOption = False) -> None:
    """Show a request with its items, opinions and decision."""
    with session(ctx) as s:
        request = requests.get(s, request_id)
    if not json_:
        request["opinions"] = [dict(o, agree=bool(o["agree"])) for o in request["opinions"]]  # yes or no
    emit_record(request, as_json=json_)


def grant(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(metavar="REQUEST")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    json_: JsonOption = False,
) -> None:
    """Grant a viewing request (administrator, password asked; Art. 8-2)."""
    with session(ctx) as s:
        request = requests.decide(s, request_id, grant=True, reason=reason)
    _show(request, json_)


def deny(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(metavar="REQUEST")],
    reason: Annotated[str, typer.Option(help="Why it is denied.")],
    json_: JsonOption = False,
) -> None:
    """Deny a viewing request (administrator, password asked)."""
    with session(ctx) as s:
        request = requests.decide(s, request_id, grant=False, reason=reason)
    _show(request, json_)


def view(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(metavar="REQUEST")],
    viewer: Annotated[str, typer.Option(help="Who views: the requester.")],
    output: Annotated[
        Path,
        typer.Option(help="Folder for the viewing copies, or - to stream one excerpt to stdout, piped into a player.", readable=False),
    ],
    recording: Annotated[int | None, typer.Option(help="Only this recording of the request.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Only from this time (within the granted range).")] = None,
    to: Annotated[str | None, typer.Option(help="Only to this time (within the granted range).")] = None,
    json_: JsonOption = False,
) -> None:
    """Write the granted excerpts for the requester to view, or stream one to a player (operator, password asked)."""
    if str(output) == "-":
        _stream(ctx, request_id, viewer, recording, from_, to, json_)
        return
    with session(ctx) as s:
        copies = viewing.view(s, request_id, viewer=viewer, output=output, recording=recording, start=from_, end=to)
    if json_:
        print_json(copies)
    else:
        for copy in copies:
            typer.echo(output / copy["file"])


def _stream(ctx: typer.Context, request_id: int, viewer: str, recording: int | None, start: str | None,
            end: str | None, json_: bool) -> None:
    """`view --output -`: the media bytes alone on stdout, every word on stderr."""
    if json_:
        raise UsageError(_("--json and --output - exclude each other: stdout carries the media bytes alone"))
    if sys.stdout.isatty():
        raise UsageError(_("--output - writes media bytes to stdout, which is a terminal here: "
                           "pipe it into a player, e.g. `| mpv -`"))
    out = sys.stdout.buffer
    out.flush()
    with session(ctx) as s:
        streamed = viewing.stream(s, request_id, viewer=viewer, out=out, recording=recording, start=start, end=end)
    facts = dict(viewing=streamed["viewing"], request_id=request_id, recording=streamed["recording"],
                 sent=streamed["sent"], size=streamed["size"])
    if streamed["stopped"]:
        _quiet_stdout()
        log.warning(_("the player stopped reading when {sent} of {size} bytes of recording {recording} had gone "
                      "into the pipe; viewing {viewing} under request {request_id} stays recorded, no copy was kept").format(**facts))
    else:
        typer.echo(_("Streamed {size} bytes of recording {recording} under request {request_id}; "
                     "viewing {viewing} recorded, no copy was kept.").format(**facts), err=True)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone, so that flushing it at exit is not an error."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return  # not a file descriptor (tests run in-process)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="request")
    root.command()(grant)
    root.command()(deny)
    root.command()(view)
