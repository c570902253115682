"""Two supervisors accept two referrals of the same person at the same moment, over real
HTTP (a threaded server, one database connection each): one open case, on SQLite and
PostgreSQL.

The guarantee is the person's turn (cases.services.lock_person_cases: the second waits
for the first to commit, then finds its case and joins it), and behind it the partial
unique index on open cases, which turns any path that skips the turn into a 409 with a
message, never a 500 and never a second open case. The second test makes both requests
look for the open case at once: without the turn it fails on both engines (two cases
attempted, a 409), so the turn and not luck is what it tests.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role, User
from coresponse.cases import services as case_services
from coresponse.cases.models import Case, CaseEvent, CaseEventKind
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.referrals.models import Referral, ReferralStatus
from tests.browser.conftest import live_server  # noqa: F401  (a threaded server, real HTTP)
from tests.factories import PASSWORD, make_person, make_referral, make_user

PEOPLE = 3  # each referred twice: six supervisors' clicks released at once


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the 302 itself is the answer


def _browser(base_url: str, user: User) -> urllib.request.OpenerDirector:
    """A browser of its own (cookies), logged in as `user` through the real form."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )
    _post(opener, f"{base_url}/login", {"username": user.username, "password": PASSWORD})
    return opener


def _post(opener: urllib.request.OpenerDirector, url: str, data: dict[str, str]) -> int:
    request = urllib.request.Request(  # noqa: S310  (a local http URL)
        url, data=urllib.parse.urlencode(data).encode(), method="POST"
    )
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _accept_all_at_once(base_url: str, pairs: list[tuple[User, Referral]]) -> list[int]:
    """Each supervisor accepts their referral from their own thread, all released at once."""
    browsers = [_browser(base_url, user) for user, _ in pairs]
    barrier = threading.Barrier(len(pairs))
    statuses = [0] * len(pairs)

    def accept(index: int) -> None:
        url = f"{base_url}/referrals/{pairs[index][1].id}/accept"
        barrier.wait()
        statuses[index] = _post(browsers[index], url, {"operational_note": "Eligible"})

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(pairs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def _open_cases(person: Person) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.person_id == person.id, Case.closed_at.is_(None))
    )


def _setting(people: int = PEOPLE) -> tuple[list[Person], list[tuple[User, Referral]]]:
    clinical = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    police = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    referred = [make_person() for _ in range(people)]
    pairs = []
    for person in referred:
        pairs += [(clinical, make_referral(person)), (police, make_referral(person))]
    db.session.commit()
    return referred, pairs


def test_two_supervisors_accepting_two_referrals_of_one_person_open_one_case(
    app: Flask,
    live_server: str,  # noqa: F811
) -> None:
    people, pairs = _setting()
    statuses = _accept_all_at_once(live_server, pairs)
    # Both accepted: one opened the case, the other joined it.
    assert statuses == [302] * len(pairs)
    db.session.expire_all()
    for person in people:
        assert _open_cases(person) == 1
        (case,) = db.session.scalars(select(Case).where(Case.person_id == person.id)).all()
        kinds = db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        assert kinds == [CaseEventKind.OPENED, CaseEventKind.NEW_REFERRAL]
    assert db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.status == ReferralStatus.ACCEPTED)
    ) == len(pairs)


def _meet_after(lookup: Callable[[int], Case | None]) -> Callable[[int], Case | None]:
    """The look-up, after which the two requests for one person wait for each other (for
    a second at most): without the turn both would read "no open case" before either
    wrote one. With it, the second is still waiting for its turn, so the first goes on
    alone once the second has kept it waiting."""
    meetings: dict[int, threading.Barrier] = {}
    guard = threading.Lock()

    def meeting(person_id: int) -> Case | None:
        found = lookup(person_id)
        with guard:
            barrier = meetings.setdefault(person_id, threading.Barrier(2, timeout=1))
        # A broken barrier: the other request is waiting for its turn, go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    return meeting


def test_the_second_acceptance_waits_its_turn_and_joins_the_first_ones_case(
    app: Flask,
    live_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both requests are made to look for the open case at the same moment: the turn on
    the person, not luck, makes the second find the first one's case."""
    from coresponse.referrals import services as referral_services

    monkeypatch.setattr(referral_services, "open_case_of", _meet_after(case_services.open_case_of))
    people, pairs = _setting(people=2)
    statuses = _accept_all_at_once(live_server, pairs)
    assert statuses == [302] * len(pairs)
    db.session.expire_all()
    for person in people:
        assert _open_cases(person) == 1


def test_the_index_decides_when_the_turn_is_skipped(
    app: Flask,
    live_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the turn taken away and the look-up blinded (as if every request had raced
    past it), every request tries to open a case: the unique index lets one in per
    person, and the others are refused with a 409 that says why (nothing half-saved,
    never a 500)."""
    monkeypatch.setattr(case_services, "lock_person_cases", lambda person_id: None)
    from coresponse.referrals import services as referral_services

    monkeypatch.setattr(referral_services, "lock_person_cases", lambda person_id: None)
    monkeypatch.setattr(referral_services, "open_case_of", lambda person_id: None)
    people, pairs = _setting()
    statuses = _accept_all_at_once(live_server, pairs)
    assert sorted(statuses) == [302] * PEOPLE + [409] * PEOPLE, statuses
    db.session.expire_all()
    for person in people:
        assert _open_cases(person) == 1
    # The refused acceptances left their referrals waiting for triage.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.status == ReferralStatus.RECEIVED)
        )
        == PEOPLE
    )
