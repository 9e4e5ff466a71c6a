"""Appointment states, the duplicate rule and the overlap rule."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retecup.domain.appointment import (
    ACTIVE,
    Held,
    Status,
    check_movable,
    check_transition,
    first_overlap,
    to_revoke,
)
from retecup.domain.errors import StateForbids

NOW = datetime(2026, 10, 24, 12, tzinfo=UTC)
ALLOWED = {
    (Status.BOOKED, Status.CANCELLED), (Status.BOOKED, Status.REVOKED),
    (Status.BOOKED, Status.CHECKED_IN), (Status.BOOKED, Status.NO_SHOW),
    (Status.CHECKED_IN, Status.COMPLETED),
}


def held(id_=1, group="89.7A.3", status=Status.BOOKED, start_h=24, length_min=30,
         booked_h=-24) -> Held:
    start = NOW + timedelta(hours=start_h)
    return Held(id_, f"CODE{id_:04d}", group, status, start,
                start + timedelta(minutes=length_min), NOW + timedelta(hours=booked_h))


class TestTransitions:
    @pytest.mark.parametrize("current", list(Status))
    @pytest.mark.parametrize("target", [s for s in Status if s is not Status.BOOKED])
    def test_only_the_listed_transitions_are_allowed(self, current, target):
        if (current, target) in ALLOWED:
            check_transition(current.value, target)
            return
        with pytest.raises(StateForbids) as refused:
            check_transition(current.value, target)
        assert refused.value.data["status"] == current.value
        assert current.value in refused.value.detail

    def test_a_booked_future_appointment_can_move(self):
        check_movable("booked", NOW + timedelta(minutes=1), NOW)

    @pytest.mark.parametrize("status", ["cancelled", "revoked", "checked_in",
                                        "completed", "no_show"])
    def test_only_a_booked_appointment_can_move(self, status):
        with pytest.raises(StateForbids):
            check_movable(status, NOW + timedelta(days=1), NOW)

    def test_an_appointment_that_has_started_cannot_move(self):
        with pytest.raises(StateForbids):
            check_movable("booked", NOW, NOW)


class TestDuplicateRule:
    def test_a_new_booking_revokes_the_future_booked_one_of_its_group(self):
        same = held(1)

        assert to_revoke([same, held(2, group="89.52")], "89.7A.3", NOW) == [same]

    def test_past_and_checked_in_appointments_are_kept(self):
        past = held(1, start_h=-1)
        arrived = held(2, status=Status.CHECKED_IN)

        assert to_revoke([past, arrived], "89.7A.3", NOW) == []

    def test_an_appointment_starting_now_is_no_longer_future(self):
        assert to_revoke([held(1, start_h=0)], "89.7A.3", NOW) == []


groups = st.sampled_from(["89.7A.3", "89.52", "88.76.1"])
statuses = st.sampled_from(list(Status))


@st.composite
def appointments(draw, status=statuses):
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=8))
    found = []
    for id_ in ids:
        start = NOW + timedelta(minutes=draw(st.integers(-3000, 3000)))
        found.append(Held(
            id_, f"C{id_}", draw(groups), draw(status), start,
            start + timedelta(minutes=draw(st.integers(1, 240))),
            NOW - timedelta(minutes=draw(st.integers(0, 10_000))),
        ))
    return found


class TestDuplicateRuleProperties:
    @given(appointments(), groups)
    def test_exactly_the_future_booked_ones_of_the_group_go(self, held_, group):
        revoked = to_revoke(held_, group, NOW)

        expected = [h for h in held_ if h.duplicate_group == group
                    and h.status == Status.BOOKED and h.starts_at > NOW]
        assert revoked == expected

    @given(appointments(), groups)
    def test_what_is_kept_has_no_future_booked_duplicate(self, held_, group):
        revoked = {h.id for h in to_revoke(held_, group, NOW)}

        kept = [h for h in held_ if h.id not in revoked]
        assert not to_revoke(kept, group, NOW)

    @given(appointments(), groups)
    def test_revoking_is_idempotent_on_what_it_returns(self, held_, group):
        once = to_revoke(held_, group, NOW)

        assert to_revoke(once, group, NOW) == once


def overlaps(h: Held, start: datetime, end: datetime) -> bool:
    return h.starts_at < end and start < h.ends_at


spans = st.tuples(st.integers(-3000, 3000), st.integers(1, 240)).map(
    lambda t: (NOW + timedelta(minutes=t[0]),
               NOW + timedelta(minutes=t[0] + t[1])))


class TestOverlapRule:
    def test_back_to_back_appointments_do_not_overlap(self):
        one = held(1, start_h=24, length_min=60)

        assert first_overlap([one], one.ends_at, one.ends_at + timedelta(hours=1),
                             set()) is None

    def test_the_earliest_of_several_clashes_is_named(self):
        late, early = held(1, start_h=25), held(2, start_h=24)

        clash = first_overlap([late, early], early.starts_at,
                              late.ends_at, set())

        assert clash == early


class TestOverlapRuleProperties:
    @given(appointments(status=st.sampled_from(sorted(ACTIVE))), spans,
           st.sets(st.integers(1, 10_000)))
    def test_the_clash_is_the_earliest_overlapping_one_not_ignored(
        self, held_, span, ignore,
    ):
        start, end = span
        candidates = [h for h in held_ if h.id not in ignore
                      and overlaps(h, start, end)]

        clash = first_overlap(held_, start, end, ignore)

        if not candidates:
            assert clash is None
            return
        assert clash in candidates
        assert clash.starts_at == min(h.starts_at for h in candidates)

    @given(appointments(status=st.sampled_from(sorted(ACTIVE))), spans)
    def test_ignoring_the_clash_leads_to_the_next_or_none(self, held_, span):
        start, end = span
        ignore: set[int] = set()
        seen = []

        while (clash := first_overlap(held_, start, end, ignore)) is not None:
            assert clash.id not in ignore
            seen.append(clash)
            ignore.add(clash.id)

        assert sorted(h.id for h in seen) == sorted(
            h.id for h in held_ if overlaps(h, start, end))
        assert [h.starts_at for h in seen] == sorted(h.starts_at for h in seen)

    @given(appointments(status=st.sampled_from(sorted(ACTIVE))), spans)
    def test_overlap_is_symmetric_in_time(self, held_, span):
        start, end = span
        clash = first_overlap(held_, start, end, set())

        if clash is not None:
            probe = Held(0, "P", "x", "booked", start, end, NOW)
            assert first_overlap([probe], clash.starts_at, clash.ends_at,
                                 set()) == probe
