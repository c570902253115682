"""Two supervisors merge one pair of records at the same moment, each the other way
round, over real HTTP (a threaded server, one connection each): one merge is made, the
other is refused with its reason (a 4xx), never a 500, never a cycle or a lost row.

The second waits for its turn on both people (people.services._take_turns), then reads
that its record was merged and says so (422). Without the turn the version check
behind it still refuses the second (a 409 "changed since"): this test fails then."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from coresponse.people.models import Person, PersonMerge
from coresponse.referrals.models import Referral
from tests.browser.conftest import live_server  # noqa: F401  (a threaded server, real HTTP)
from tests.factories import make_person, make_referral, make_user
from tests.referrals.test_repeat_concurrency import _browser, _post


def test_two_merges_of_one_pair_at_once_make_one(app: Flask, live_server: str) -> None:  # noqa: F811
    supervisors = [
        make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
    ]
    one, two = make_person(), make_person()
    make_referral(one), make_referral(two)
    db.session.commit()
    browsers = [_browser(live_server, user) for user in supervisors]
    orders = [(one.id, two.id), (two.id, one.id)]
    barrier = threading.Barrier(2)
    statuses = [0, 0]

    def merge(index: int) -> None:
        survivor, other = orders[index]
        barrier.wait()
        statuses[index] = _post(
            browsers[index], f"{live_server}/people/{survivor}/merge", {"other_id": str(other)}
        )

    threads = [threading.Thread(target=merge, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [302, 422], statuses
    db.session.expire_all()
    tombstones = db.session.scalars(
        select(Person.id).where(Person.merged_into_id.is_not(None))
    ).all()
    assert len(tombstones) == 1
    assert db.session.scalar(select(func.count()).select_from(PersonMerge)) == 1
    survivor = ({one.id, two.id} - set(tombstones)).pop()
    referrals = db.session.scalars(select(Referral.person_id)).all()
    assert referrals == [survivor, survivor]
