"""Eight tablets retry the same contact at the same moment, over real HTTP: one row.

The guarantee is the unique constraint on contact.uuid: the losers of the race
roll back, read the stored contact and answer 200 (same content) or 409 (different).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable

from sqlalchemy import func, select

from coresponse.auth.tokens import create_token
from coresponse.contacts import services
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from tests.api.helpers import contact_body

THREADS = 8


def _post_all(base_url: str, token: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST each body from its own thread, all released at once."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict]] = [(0, {})] * len(bodies)

    def post(index: int) -> None:
        request = urllib.request.Request(  # noqa: S310  (a local http URL)
            f"{base_url}/api/v1/contacts",
            data=json.dumps(bodies[index]).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
                results[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read()))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _rows(contact_id: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Contact).where(Contact.uuid == uuid.UUID(contact_id))
    )


def _token(world) -> str:  # type: ignore[no-untyped-def]
    _, token = create_token(world.clinician, name="tablet", by=world.clinician)
    db.session.commit()
    return token


def test_eight_identical_retries_store_one_contact(world, live_server: str) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(world.case, clinical_note="Stable.", risk_factors=["recent_loss"])
    results = _post_all(live_server, _token(world), [body] * THREADS)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (THREADS - 1) + [201], results
    assert {data["id"] for _, data in results} == {body["id"]}
    assert _rows(body["id"]) == 1


def test_eight_different_contacts_under_one_id_store_the_first_and_refuse_the_rest(  # type: ignore[no-untyped-def]
    world,
    live_server: str,
) -> None:
    first = contact_body(world.case)
    bodies = [{**first, "operational_note": f"Version {i}"} for i in range(THREADS)]
    results = _post_all(live_server, _token(world), bodies)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    stored_note = db.session.scalar(
        select(Contact.operational_note).where(Contact.uuid == uuid.UUID(first["id"]))
    )
    winner = next(data for status, data in results if status == 201)
    assert stored_note == winner["operational_note"]
    assert _rows(first["id"]) == 1


def test_the_race_is_decided_by_the_constraint_not_the_pre_check(  # type: ignore[no-untyped-def]
    world,
    live_server: str,
    monkeypatch,
) -> None:
    """With the service's look-up blinded, every request tries to insert: still one row."""
    monkeypatch.setattr(services, "contact_with_uuid", _blind(services.contact_with_uuid))
    body = contact_body(world.case)
    results = _post_all(live_server, _token(world), [body] * THREADS)
    assert sorted(status for status, _ in results) == [200] * (THREADS - 1) + [201], results
    assert _rows(body["id"]) == 1


def _blind(lookup: Callable):  # type: ignore[no-untyped-def,type-arg]
    """The first look-up of each request sees nothing (as if all raced past it at once)."""
    seen: set[int] = set()

    def blinded(contact_uuid):  # type: ignore[no-untyped-def]
        key = threading.get_ident()
        if key not in seen:
            seen.add(key)
            return None
        return lookup(contact_uuid)

    return blinded
