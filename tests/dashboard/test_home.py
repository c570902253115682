"""The supervisor's home page: each queue's true size and its most urgent rows, and the
teams that need a supervisor, without listing every team of the program."""

from __future__ import annotations

import re
from datetime import timedelta

from coresponse.auth.models import Role
from coresponse.cases.models import CaseStatus
from coresponse.cases.queries import QUEUE_PREVIEW
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.factories import (
    add_to_team,
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_team,
    make_user,
)


def _section(page: str, key: str) -> str:
    match = re.search(rf'<section class="panel queue queue-{key}">(.*?)</section>', page, re.S)
    assert match, f"no {key} section"
    return match.group(1)


def test_each_queue_counts_every_row_and_shows_the_most_urgent_first(login) -> None:  # type: ignore[no-untyped-def]
    team, *_ = make_staffed_team()
    now = utcnow()
    extra = 3
    for n in range(QUEUE_PREVIEW + extra):
        # Overdue n hours past the deadline: Overdue0 is the least late.
        make_case(team, make_person(first_name=f"Overdue{n}"),
                  first_contact_due_at=now - timedelta(hours=n + 1))  # fmt: skip
        make_referral(make_person(first_name=f"Waiting{n}"), received_at=now - timedelta(hours=n))
    for n in range(extra):
        make_case(team, make_person(first_name=f"Ended{n}"), status=CaseStatus.CLOSED,
                  closed_at=now - timedelta(days=n + 1), first_contact_at=now - timedelta(days=9))  # fmt: skip
    make_case(team, make_person(first_name="EndedLongAgo"), status=CaseStatus.CLOSED,
              closed_at=now - timedelta(days=30), first_contact_at=now - timedelta(days=40))  # fmt: skip
    stale = make_case(
        team, make_person(first_name="Quiet"), first_contact_at=now - timedelta(days=20)
    )
    stale.last_contact_at = now - timedelta(days=20)
    # Never contacted, assigned long ago (and not yet past its deadline): stale too.
    forgotten = make_case(
        team, make_person(first_name="Forgotten"), first_contact_due_at=now + timedelta(days=1)
    )
    forgotten.assigned_at = now - timedelta(days=20)
    make_case(team, make_person(first_name="Recent"), first_contact_at=now, last_contact_at=now)
    db.session.commit()

    page = login(make_user(Role.SUPERVISOR)).get("/").get_data(as_text=True)

    total = QUEUE_PREVIEW + extra
    overdue = _section(page, "overdue")
    assert f'<span class="count alert">{total}</span>' in overdue
    assert f"All {total}</a>" in overdue
    # The most overdue ten, most overdue first; the three least late wait for the full list.
    shown = [int(n) for n in re.findall(r"Overdue(\d+)", overdue)]
    assert shown == list(range(total - 1, extra - 1, -1))

    triage = _section(page, "triage")
    assert f"All {total}</a>" in triage
    waiting = [int(n) for n in re.findall(r"Waiting(\d+)", triage)]
    assert waiting == list(range(QUEUE_PREVIEW))  # the newest received first

    closed = _section(page, "closed")
    assert re.findall(r"Ended\w*", closed) == ["Ended0", "Ended1", "Ended2"]  # newest first
    assert f'<span class="count ">{extra}</span>' in closed and "All " not in closed

    stale_section = _section(page, "stale")
    assert "Quiet" in stale_section and "Forgotten" in stale_section
    assert "Recent" not in stale_section
    assert '<span class="count ">2</span>' in stale_section

    full = login(make_user(Role.SUPERVISOR)).get("/cases/queue/overdue").get_data(as_text=True)
    # The full list in the same order, most overdue first, each saying by how much.
    assert [int(n) for n in re.findall(r"Overdue(\d+) ", full)] == list(range(total - 1, -1, -1))
    assert f">Overdue by {total} h</span>" in full
    assert '<th scope="col">Due / last contact</th>' in full


def test_home_lists_only_the_teams_that_cannot_be_dispatched(login) -> None:  # type: ignore[no-untyped-def]
    make_staffed_team(name="Brooklyn Ready")
    short = make_team(name="Bronx Short")
    add_to_team(short, make_user(Role.OFFICER))
    add_to_team(short, make_user(Role.CLINICIAN))
    crowded, *_ = make_staffed_team(name="Queens Crowded")
    add_to_team(crowded, make_user(Role.CLINICIAN))
    away, *_ = make_staffed_team(name="Harlem Away")
    away.memberships[0].user.active = False  # a deactivated officer no longer counts
    make_team(name="Retired Unit", active=False)
    db.session.flush()

    page = login(make_user(Role.SUPERVISOR)).get("/").get_data(as_text=True)

    assert "Teams that cannot be dispatched" in page
    assert '<span class="count alert">3</span>' in page
    for name, problem in (("Bronx Short", "Needs one more officer"),
                          ("Queens Crowded", "Has one clinician too many"),
                          ("Harlem Away", "Needs one more officer")):  # fmt: skip
        assert name in page and problem in page
    assert "Brooklyn Ready" not in page and "Retired Unit" not in page
    assert "All teams (4 active)" in page


def test_home_says_when_every_team_can_be_dispatched_and_when_there_is_none(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    assert "No active teams." in client.get("/").get_data(as_text=True)
    make_staffed_team(name="Brooklyn Ready")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Every active team can be dispatched." in page
    assert "Brooklyn Ready" not in page and "All teams (1 active)" in page


def test_full_queues_page_in_urgency_order(login, app) -> None:  # type: ignore[no-untyped-def]
    """Each page of a full queue continues where the last stopped, most urgent first: the
    longest without a contact (never contacted: since assignment) heads the stale list."""
    app.config["PAGE_SIZE"] = 2
    team, *_ = make_staffed_team()
    now = utcnow()
    for days, contacted in ((9, True), (30, False), (20, True), (12, False), (15, True)):
        case = make_case(team, make_person(first_name=f"Quiet{days}"),
                         first_contact_at=now - timedelta(days=40) if contacted else None,
                         first_contact_due_at=now + timedelta(days=1))  # fmt: skip
        case.assigned_at = now - timedelta(days=days if not contacted else 50)
        case.last_contact_at = now - timedelta(days=days) if contacted else None
    db.session.commit()
    client = login(make_user(Role.SUPERVISOR))

    seen: list[int] = []
    url: str | None = "/cases/queue/stale"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r"Quiet(\d+)", page)]
        following = re.search(r'href="(/cases/queue/stale\?after=[^"]+)"', page)
        url = following.group(1) if following else None
    assert seen == [30, 20, 15, 12, 9]


def test_team_counters_link_to_the_caseload(login) -> None:  # type: ignore[no-untyped-def]
    *_, clinician = make_staffed_team()
    page = login(clinician).get("/").get_data(as_text=True)
    assert page.count('<a class="stat') == 2
    assert 'href="/cases/mine"' in page
