"""A Python client generated from the API's document works against the API.

openapi-python-client reads the document the app serves (no network), writes a package
into a temporary folder, and the test calls a live in-process app through it: its
functions are named by the operationIds and grouped in modules by tag.
"""

from __future__ import annotations

import importlib
import json
import subprocess  # nosec B404: runs the generator installed beside this Python
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from flask import Flask

from coresponse import create_app
from coresponse.api.openapi import document
from coresponse.auth.tokens import create_token
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.api.helpers import as_served
from tests.factories import make_case

PACKAGE = "coresponse_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the document, importable for this module's tests."""
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(document(create_app("test"))))
    config = folder / "config.yml"
    config.write_text("post_hooks: []\n")  # formatting the generated code is not needed here
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(  # noqa: S603  # nosec B603: fixed arguments, no shell
        [generator, "generate", "--path", spec, "--config", config, "--meta", "none",
         "--output-path", folder / PACKAGE, "--fail-on-warning"],
        check=True, capture_output=True, text=True, cwd=folder, timeout=120,
    )  # fmt: skip
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _client(generated: ModuleType, app: Flask, token: str):  # type: ignore[no-untyped-def]
    """The generated client, talking HTTP to the app in process."""
    transport = httpx.WSGITransport(app=as_served(app))
    return generated.AuthenticatedClient(
        base_url="http://localhost/api/v1", token=token, httpx_args={"transport": transport}
    )


def _module(generated: ModuleType, path: str) -> ModuleType:
    return importlib.import_module(f"{generated.__name__}.{path}")


def test_the_generated_client_reads_me_and_pages_through_cases(  # type: ignore[no-untyped-def]
    generated: ModuleType, app: Flask, world
) -> None:
    extra = [make_case(world.team).id for _ in range(4)]
    _, token = create_token(world.clinician, name="generated client", by=world.clinician)
    db.session.commit()
    client = _client(generated, app, token)
    me = _module(generated, "api.account.me").sync(client=client)
    assert me.id == world.clinician.id and me.role.value == "clinician"
    assert {m.id for m in me.team.members} >= {world.officer.id, world.clinician.id}
    list_cases = _module(generated, "api.cases.list_cases")
    seen: list[int] = []
    page = list_cases.sync(client=client, limit=2)
    pages = 1
    while True:
        assert len(page.items) <= 2
        seen += [case.id for case in page.items]
        if not page.next_:
            break
        page = list_cases.sync(client=client, limit=2, cursor=page.next_)
        pages += 1
    assert seen == sorted([world.case.id, *extra]) and pages == 3


def test_the_generated_client_logs_a_contact_once_and_hears_a_conflict(  # type: ignore[no-untyped-def]
    generated: ModuleType, app: Flask, world
) -> None:
    _, token = create_token(world.officer, name="generated client", by=world.officer)
    db.session.commit()
    client = _client(generated, app, token)
    models = _module(generated, "models")
    create_contact = _module(generated, "api.contacts.create_contact")
    body = models.ContactInput(
        id=uuid.uuid4(),
        case_id=world.case.id,
        type_=models.ContactType.IN_PERSON_HOME,
        occurred_at=utcnow() - timedelta(minutes=30),
        outcome=models.ContactOutcome.ENGAGED,
        operational_note="Met at the door; agreed to a clinic visit.",
    )
    first = create_contact.sync_detailed(client=client, body=body)
    assert first.status_code == 201
    assert first.headers["Location"] == f"/api/v1/contacts/{body.id}"
    assert isinstance(first.parsed, models.Contact) and first.parsed.id == body.id
    again = create_contact.sync_detailed(client=client, body=body)
    assert again.status_code == 200 and again.parsed.id == body.id
    body.operational_note = "Different."
    conflict = create_contact.sync_detailed(client=client, body=body)
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, models.Problem) and conflict.parsed.status == 409
    # Officers never receive the clinical keys, so the generated model left them unset.
    assert first.parsed.clinical_note is generated.types.UNSET
