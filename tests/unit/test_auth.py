"""Staff identity: each token belongs to a named person; a bare token to `staff`; a malformed entry is refused."""

from __future__ import annotations

import pytest

from chalicelib.auth import StaffAuthenticator, StaffMember, named_hashes, token_hash


def test_a_token_identifies_the_person_it_belongs_to() -> None:
    hashes = named_hashes(f"han.mei:{token_hash('t-han')}", "li.lei=t-li,t-bare")
    authenticator = StaffAuthenticator(hashes)
    assert authenticator.identify("Bearer t-li") == StaffMember("li.lei")
    assert authenticator.identify("bearer t-han") == StaffMember("han.mei")
    assert authenticator.identify("Bearer t-bare") == StaffMember("staff")
    assert authenticator.identify_token("t-li") == StaffMember("li.lei")
    for refused in (None, "", "Bearer", "Bearer wrong", "Basic t-li", "t-li", "Bearer " + "x" * 2000):
        assert authenticator.identify(refused) is None


@pytest.mark.parametrize(
    ("hashes", "tokens", "problem"),
    [
        ("li.lei:not-a-digest", "", "not a SHA-256 hex digest"),
        (f"Li Lei:{token_hash('x')}", "", "STAFF_TOKEN_HASHES names 'Li Lei'"),
        ("", "李雷=t", "STAFF_TOKENS names '李雷'"),
        ("", "customer=t", "STAFF_TOKENS names 'customer': that name is kept for what customers answer"),
        (f"customer:{token_hash('x')}", "", "STAFF_TOKEN_HASHES names 'customer'"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_setting(hashes: str, tokens: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        named_hashes(hashes, tokens)
