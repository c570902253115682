"""The password policy: long enough, not common, not predictable, not one's own name."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth import common_passwords, services
from coresponse.auth.models import Role
from coresponse.errors import DomainError
from tests.factories import PASSWORD, make_user
from tools import common_passwords as generator


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password1234",
        "P@ssw0rd2024!",
        "qwertyuiop12",
        "Summer2024!!",
        "football-1234",
        "iloveyou1234",
        "administrator",
        "coresponse2025",
        "brooklyn12345",
        "jennifer1987",
    ],
)
def test_common_passwords_are_refused(app: Flask, password: str) -> None:
    with pytest.raises(DomainError, match="too easy to guess") as info:
        services.check_password_policy(password, username="dana")
    assert info.value.field == "password"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaaaaaaaa", "too few different characters"),
        ("abababababab", "too few different characters"),
        ("abcdeabcdeabcde", "repeats"),
        ("123456789012", "run of the alphabet, digits or the keyboard"),
        ("98765432109876", "run of the alphabet, digits or the keyboard"),
        ("abcdefghijklmn", "run of the alphabet, digits or the keyboard"),
        ("qwertyuiopasdf", "run of the alphabet, digits or the keyboard"),
        ("sunflower2031##", "common word with digits or symbols added"),
        ("0000princess!!", "common word with digits or symbols added"),
    ],
)
def test_predictable_passwords_are_refused_with_a_reason(
    app: Flask, password: str, why: str
) -> None:
    with pytest.raises(DomainError, match=why):
        services.check_password_policy(password)


def test_names_are_refused(app: Flask) -> None:
    with pytest.raises(DomainError, match="username"):
        services.check_password_policy("xx-jmorales-xx-1", username="jmorales")
    with pytest.raises(DomainError, match="person's name"):
        services.check_password_policy(
            "my name is rivera, ok", username="ar", full_name="Ana Rivera"
        )
    # Short parts of a name are too common in ordinary words to refuse.
    services.check_password_policy("a lingering purple lamp", full_name="Mei Lin")


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "a brand new passphrase", "coresponse-demo", "Tr0ub4dor&3-horse-lamp"],
)
def test_good_passwords_and_the_demo_password_pass(app: Flask, password: str) -> None:
    services.check_password_policy(password, username="dana", full_name="Dana Whitfield")


def test_creating_and_resetting_apply_the_policy(app: Flask) -> None:
    with pytest.raises(DomainError, match="too easy to guess"):
        services.create_user("dana", full_name="Dana", role=Role.ANALYST, password="password1234",
                             by=None)  # fmt: skip
    user = make_user(full_name="Ana Rivera")
    with pytest.raises(DomainError, match="person's name"):
        services.reset_password(user, "rivera-rivera-2", by=None)
    with pytest.raises(DomainError, match="too easy to guess"):
        services.change_own_password(user, PASSWORD, "qwertyuiop123")


def test_the_admin_form_shows_the_refusal(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    response = client.post(
        "/users/new",
        data={"username": "newbie", "full_name": "New Bie", "role": "analyst",
              "password": "Welcome12345", "confirm": "Welcome12345"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)


def test_the_shipped_list_is_large_small_and_reproducible() -> None:
    size = common_passwords.LIST_PATH.stat().st_size
    assert size < 200_000
    listed = common_passwords.shipped_list()
    assert len(listed) >= 10_000
    assert all(len(entry) >= 12 for entry in listed)
    generated = generator.generate()
    lines = [
        line
        for line in common_passwords.LIST_PATH.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[: len(generated)] == generated, (
        "regenerate: python -m tools.common_passwords > coresponse/auth/common_passwords.txt"
    )
