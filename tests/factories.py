"""Small builders for rows; state that matters goes through the services."""

from network.models import Membership, Organisation, User
from network.services import membership_grant

TEST_PASSWORD = "correct-horse-battery"


def organisation(**fields) -> Organisation:
    return Organisation.objects.create(**fields)


def user(username: str, password: str = TEST_PASSWORD, **fields) -> User:
    account = User.objects.create(username=username, first_name=username.title(), **fields)
    account.set_password(password)
    account.save(update_fields=["password"])
    return account


def membership(account: User, org: Organisation, role: str) -> Membership:
    return membership_grant(actor=None, user=account, organisation=org, role=role)
