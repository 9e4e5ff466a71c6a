"""The sizes of the generated data, per profile."""

from dataclasses import dataclass

from retecup.loader.bookings import BookingCurve


@dataclass(frozen=True)
class Profile:
    name: str
    agendas: int
    horizon_days: int
    patients: int
    # Generated outpatient sites go to comuni at least this populous.
    site_min_population: int
    booking: BookingCurve
    # Drop and rebuild the secondary indexes and constraints of the tables
    # the load fills (agendas, slots, appointments) around their COPY: worth
    # it only when the rows run into millions.
    bulk_slots: bool = False


PROFILES = {
    "test": Profile("test", agendas=160, horizon_days=60, patients=500,
                    site_min_population=30_000,
                    booking=BookingCurve(steps=((14, 0.05),))),
    "demo": Profile("demo", agendas=3_000, horizon_days=180, patients=20_000,
                    site_min_population=15_000,
                    booking=BookingCurve(steps=((14, 0.32), (28, 0.22)), tail_days=21),
                    bulk_slots=True),
    "region": Profile("region", agendas=130_000, horizon_days=90, patients=300_000,
                      site_min_population=5_000,
                      booking=BookingCurve(steps=((7, 0.01),)), bulk_slots=True),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r}; known profiles: {known}") from None
