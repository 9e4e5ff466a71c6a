"""The `retecup` command: serve, load, token."""

import logging
from typing import Annotated

import typer

from retecup import logs
from retecup.config import get_settings

app = typer.Typer(help="retecup: rete regionale di prenotazione ambulatoriale",
                  no_args_is_help=True, pretty_exceptions_enable=False)
token_app = typer.Typer(help="Bearer tokens", no_args_is_help=True)
slots_app = typer.Typer(help="Slots of the agendas", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(slots_app, name="slots")

log = logging.getLogger(__name__)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="server processes")] = 1,
) -> None:
    """Runs the API server (embedded PostgreSQL unless RETECUP_DATABASE_URL)."""
    import uvicorn

    from retecup.adapters.database import database_url

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    # Start (or join) the embedded server and migrate once, in this process,
    # before the workers fork; they connect to the same URL.
    url = database_url()
    _migrate(url)
    if not settings.database_url:
        import os

        plain = url.replace("postgresql+psycopg", "postgresql")
        os.environ["RETECUP_DATABASE_URL"] = plain
    _keep_horizon(url)
    typer.echo(f"retecup su http://{host}:{port}  (documentazione: /docs)")
    uvicorn.run("retecup.bootstrap:application", factory=True, host=host, port=port,
                workers=workers, log_level=settings.log_level.lower(),
                access_log=False)


@app.command()
def load(
    profile: Annotated[str, typer.Option(help="test, demo or region")] = "demo",
    seed: Annotated[int, typer.Option(help="seed of the generated data")] = 2026,
) -> None:
    """Migrates and loads reference data with generated agendas and patients."""
    from retecup.adapters.database import get_engine
    from retecup.loader import load_profile

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    if profile not in ("test", "demo", "region"):
        raise typer.BadParameter("use test, demo or region", param_hint="--profile")
    summary = load_profile(get_engine(), profile, seed=seed, progress=typer.echo)
    if summary.get("skipped"):
        typer.echo(f"profilo {profile!r} già caricato: nessuna modifica")
        return
    counts = summary.get("counts", {})
    typer.echo(
        f"profilo {profile!r} caricato in {summary.get('total_seconds', 0):.0f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="citizen, operator, pharmacist, ...")],
    channel: Annotated[str, typer.Option(help="web, app, pharmacy, ...")],
    cf: Annotated[str | None, typer.Option(help="the citizen's codice fiscale")] = None,
    provider: Annotated[str | None, typer.Option(help="provider code")] = None,
) -> None:
    """Prints one bearer token, alone on its line."""
    from retecup.adapters.database import get_engine
    from retecup.adapters.migrate import upgrade
    from retecup.domain.errors import RetecupError
    from retecup.services import tokens

    engine = get_engine()
    upgrade(engine)
    try:
        with engine.begin() as conn:
            token = tokens.create(conn, role, channel, cf, provider)
    except RetecupError as error:
        typer.echo(f"errore: {error.detail}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


@app.command()
def providers() -> None:
    """Lists the providers (code, kind, name): the codes tokens need."""
    from sqlalchemy import text

    from retecup.adapters.database import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(text(
            "SELECT code, kind, name FROM provider ORDER BY kind, code")).all()
    for code, kind, name in rows:
        typer.echo(f"{code:<24} {kind:<8} {name}")


@slots_app.command("extend")
def slots_extend() -> None:
    """Generates the agendas' slots up to the rolling horizon."""
    from datetime import datetime

    from retecup.adapters.database import get_engine
    from retecup.domain.schedule import ROME
    from retecup.services import horizon

    engine = get_engine()
    days = horizon.configured_days(engine, _explicit_horizon())
    added = horizon.extend(engine, datetime.now(ROME).date(), days)
    typer.echo(f"posti generati: {added} (orizzonte {days} giorni)")


def _explicit_horizon() -> int | None:
    import os

    return get_settings().horizon_days if "RETECUP_HORIZON_DAYS" in os.environ else None


def _keep_horizon(url: str) -> None:
    """Extends the slots at start and every six hours, in this process only."""
    import threading

    from retecup.adapters.database import make_engine
    from retecup.services import horizon

    engine = make_engine(url, pool_size=1)
    days = horizon.configured_days(engine, _explicit_horizon())
    threading.Thread(
        target=horizon.run_periodically,
        args=(engine, days, 6 * 3600, threading.Event()),
        name="slot-horizon", daemon=True,
    ).start()


def _migrate(url: str) -> None:
    from retecup.adapters.database import make_engine
    from retecup.adapters.migrate import upgrade

    engine = make_engine(url, pool_size=1)
    upgrade(engine)
    engine.dispose()
