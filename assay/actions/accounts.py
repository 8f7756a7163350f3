from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from assay import audit, clock
from assay.errors import Conflict, raise_for_fields
from assay.models import ExpertProfile, Membership, Organization, User


def _check_credentials(email: str, password: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = "enter a valid email address"
    try:
        validate_password(password)
    except ValidationError as error:
        problems["password"] = " ".join(error.messages)
    return problems


def _new_user(*, email: str, password: str, name: str, role: str) -> User:
    email = email.strip().lower()
    if User.objects.filter(username=email).exists():
        raise Conflict("An account with this email exists already.", code="email_taken")
    user = User(username=email, email=email, first_name=name.strip()[:150], role=role)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict("An account with this email exists already.", code="email_taken") from None
    return user


def _pseudonym() -> str:
    return f"expert-{secrets.token_hex(3)}"


def sign_up_expert(*, email: str, password: str, name: str) -> User:
    raise_for_fields(_check_credentials(email.strip(), password))
    with transaction.atomic():
        user = _new_user(email=email, password=password, name=name, role=User.Role.EXPERT)
        pseudonym = _pseudonym()
        while ExpertProfile.objects.filter(pseudonym=pseudonym).exists():
            pseudonym = _pseudonym()
        ExpertProfile.objects.create(user=user, pseudonym=pseudonym)
        audit.record("account.create", user, actor=user, role=user.role)
    return user


def sign_up_requester(*, email: str, password: str, name: str, organization: str) -> User:
    problems = _check_credentials(email.strip(), password)
    if not organization.strip():
        problems["organization"] = "name your organization"
    raise_for_fields(problems)
    with transaction.atomic():
        user = _new_user(email=email, password=password, name=name, role=User.Role.REQUESTER)
        org = Organization.objects.create(name=organization.strip()[:200], created_at=clock.now())
        Membership.objects.create(organization=org, user=user, is_owner=True)
        audit.record("account.create", user, actor=user, role=user.role, organization=org.id)
    return user


def add_member(*, organization: Organization, email: str, password: str, name: str) -> User:
    raise_for_fields(_check_credentials(email.strip(), password))
    with transaction.atomic():
        user = _new_user(email=email, password=password, name=name, role=User.Role.REQUESTER)
        Membership.objects.create(organization=organization, user=user)
        audit.record(
            "account.create", user, actor=None, role=user.role, organization=organization.id
        )
    return user


def create_operator(*, email: str, password: str) -> User:
    raise_for_fields(_check_credentials(email.strip(), password))
    with transaction.atomic():
        user = _new_user(email=email, password=password, name="", role=User.Role.OPERATOR)
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        audit.record("account.create", user, actor=None, role=user.role)
    return user
