"""Loads reference data and a generated profile (test, demo or region).

    from retecup.loader import load_profile
    summary = load_profile(engine, "demo")

Reference data is real (see retecup/data/SOURCES.md); agendas, templates,
slots, patients and pre-booked appointments are generated and marked so.
"""

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from retecup.loader.profiles import PROFILES, Profile, get_profile

__all__ = ["PROFILES", "Profile", "load_profile"]


def load_profile(
    engine: Engine,
    profile: str,
    *,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[str], None] = print,
) -> dict:
    """Loads `profile` once; returns a summary with counts and seconds.

    `today` (default: the current date in Europe/Rome) is the first day of
    slots. A profile already recorded in `load_run` is skipped.
    """
    # Imported here: the generators pull in Faker and codicefiscale, which
    # commands that never load data should not pay for.
    from retecup.loader.run import load

    return load(engine, get_profile(profile), seed=seed, today=today,
                progress=progress)
