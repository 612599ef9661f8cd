"""Password policy and Argon2id hashing, without HTTP."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import passwords

# Argon2 CHEAPEST costs well under a millisecond; the property tests stay fast.
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
typed_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=64)


@pytest.fixture
def context(app):
    with app.app_context():
        yield


def test_hash_is_argon2id(context):
    assert passwords.hash_password("a-long-and-unusual-passphrase").startswith("$argon2id$")


def test_same_password_hashes_differently_each_time(context):
    assert passwords.hash_password("a-long-and-unusual-passphrase") != passwords.hash_password(
        "a-long-and-unusual-passphrase")


@PROPERTY
@given(password=typed_text)
def test_a_hash_verifies_its_own_password(context, password):
    assert passwords.verify_password(passwords.hash_password(password), password)


@PROPERTY
@given(password=typed_text, other=typed_text)
def test_a_hash_refuses_any_other_password(context, password, other):
    if password != other:
        assert not passwords.verify_password(passwords.hash_password(password), other)


def test_unknown_account_never_verifies(context):
    assert not passwords.verify_password(None, "not-a-real-password-timing-equaliser")


def test_a_malformed_stored_hash_does_not_verify(context):
    assert not passwords.verify_password("not-a-hash", "anything-at-all")


def test_a_fresh_hash_needs_no_rehash(context):
    stored = passwords.hash_password("a-long-and-unusual-passphrase")
    assert passwords.needs_rehash(stored) is False


@PROPERTY
@given(password=st.text(max_size=passwords.MIN_LENGTH - 1))
def test_passwords_under_ten_characters_are_refused(password):
    assert "at least" in passwords.password_problem(password)


@given(password=st.sampled_from(sorted(passwords.common_passwords())), flip=st.booleans())
@settings(max_examples=50, deadline=None)
def test_common_passwords_are_refused_in_any_case(password, flip):
    candidate = password.upper() if flip else password.title()
    if len(candidate) >= passwords.MIN_LENGTH:
        assert "common" in passwords.password_problem(candidate)


def test_the_common_password_list_is_shipped_and_large():
    assert len(passwords.common_passwords()) >= 1000
    assert {"password123", "qwertyuiop"} <= passwords.common_passwords()


def test_a_long_unusual_password_is_accepted():
    assert passwords.password_problem("correct horse battery staple") is None


def test_passwords_over_the_maximum_are_refused():
    assert passwords.password_problem("x" * (passwords.MAX_LENGTH + 1)) is not None
