"""Generated agendas: who offers what, where, for which channels, when.

Pure planning with a seeded `random.Random`; `load_agendas` writes the plan.
Every site gets at least one agenda when there are enough of them, the rest
go by site weight (hospitals carry more, and alone the hospital-only offers).
"""

import dataclasses
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from retecup.loader import offers as catalogue_offers
from retecup.loader.offers import Offer, Service
from retecup.loader.templates import POOL_SIZE

_RESERVES = ((10, 2), (15, 3), (20, 5))
_HOSPITAL_WEIGHT = 6.0
_IRCCS_WEIGHT = 8.0
_GENERATED_WEIGHT = 1.5


@dataclass(frozen=True)
class SiteRef:
    id: int
    provider_code: str
    comune_istat: str
    province: str
    is_capital: bool
    hospital: bool
    irccs: bool

    @property
    def weight(self) -> float:
        if self.irccs:
            return _IRCCS_WEIGHT
        return _HOSPITAL_WEIGHT if self.hospital else _GENERATED_WEIGHT


@dataclass(frozen=True)
class AgendaPlan:
    id: int
    site: SiteRef
    name: str
    offer: Offer
    regime: str
    access: str
    channels: tuple[str, ...]
    reserve_percent: int
    release_days: int
    services: tuple[Service, ...]
    template_index: int
    valid_from: date
    valid_to: date | None

    @property
    def slot_min(self) -> int:
        return max(minutes for _, minutes in self.services)

    @property
    def template_key(self) -> tuple[int, int, int]:
        return (self.slot_min, self.offer.capacity, self.template_index)


def allocate_sites(
    rng: random.Random, sites: list[SiteRef], count: int
) -> list[SiteRef]:
    """The site of each of `count` agendas, in site order."""
    ordered = sorted(sites, key=lambda s: s.id)
    base = ordered if count >= len(ordered) else []
    extra = rng.choices(ordered, [s.weight for s in ordered], k=count - len(base))
    return sorted(base + extra, key=lambda s: s.id)


def plan_agendas(
    rng: random.Random, sites: list[SiteRef], count: int, ids: list[int],
    today: date, last_day: date,
) -> list[AgendaPlan]:
    numbering: Counter[tuple[int, str]] = Counter()
    plans = []
    for agenda_id, site in zip(ids, allocate_sites(rng, sites, count), strict=True):
        plan = _plan_one(rng, agenda_id, site, today, last_day)
        numbering[(site.id, plan.name)] += 1
        number = numbering[(site.id, plan.name)]
        if number > 1:
            plan = dataclasses.replace(plan, name=f"{plan.name} {number}")
        plans.append(plan)
    return plans


def _plan_one(rng, agenda_id, site, today, last_day) -> AgendaPlan:
    choices = [o for o in catalogue_offers.OFFERS
               if site.hospital or not o.hospital_only]
    offer = rng.choices(choices, [o.weight for o in choices])[0]

    access, regime = "first", "ssn"
    draw = rng.random()
    if offer.follow_up and draw < 0.15:
        access = "follow_up"
    elif offer.care_plan and draw < 0.25:
        access = "care_plan"
    elif offer.private_practice and rng.random() < 0.12:
        regime = "alpi"

    reserve_percent, release_days = 0, 0
    if access == "first" and regime == "ssn" and rng.random() < 0.25:
        reserve_percent, release_days = rng.choice(_RESERVES)

    valid_to = None
    if rng.random() < 0.2:
        valid_to = last_day + timedelta(days=rng.randint(30, 365))

    return AgendaPlan(
        id=agenda_id, site=site, name=_name(offer, access, regime), offer=offer,
        regime=regime, access=access, channels=_channels(access),
        reserve_percent=reserve_percent, release_days=release_days,
        services=_services(offer, access), template_index=rng.randrange(POOL_SIZE),
        valid_from=today - timedelta(days=rng.randint(0, 365)), valid_to=valid_to,
    )


def _services(offer: Offer, access: str) -> tuple[Service, ...]:
    # First-access clinics also take the follow-ups of their own patients;
    # dedicated follow-up and care-plan agendas take only follow-ups.
    listed = offer.first + offer.follow_up if access == "first" else offer.follow_up
    seen: dict[str, int] = {}
    for code, minutes in listed:
        seen.setdefault(code, minutes)
    return tuple(seen.items())


def _channels(access: str) -> tuple[str, ...]:
    return {
        "first": catalogue_offers.FIRST_CHANNELS,
        "follow_up": catalogue_offers.FOLLOW_UP_CHANNELS,
        "care_plan": catalogue_offers.CARE_PLAN_CHANNELS,
    }[access]


def _name(offer: Offer, access: str, regime: str) -> str:
    if access == "follow_up":
        return f"{offer.label} - controlli"
    if access == "care_plan":
        return f"{offer.label} - presa in carico"
    if regime == "alpi":
        return f"{offer.label} - libera professione"
    return offer.label


def agenda_rows(plans: list[AgendaPlan], last_day: date):
    for p in plans:
        yield (p.id, p.site.provider_code, p.site.id, p.name, p.regime, p.access,
               list(p.channels), p.reserve_percent, p.release_days, True, last_day)


def agenda_service_rows(plans: list[AgendaPlan]):
    for p in plans:
        for code, minutes in p.services:
            yield (p.id, code, minutes)


def template_rows(plans: list[AgendaPlan], bands_json_by_key: dict):
    for p in plans:
        bands = json.dumps(bands_json_by_key[p.template_key])
        yield (p.id, p.valid_from, p.valid_to, bands)
