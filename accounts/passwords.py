"""Password rules for customers: Django's validators and hashers, without a Django user object."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.contrib.auth.password_validation import (
    UserAttributeSimilarityValidator,
    exceeds_maximum_length_ratio,
    get_default_password_validators,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PASSWORD_LENGTH = 256  # NIST asks for at least 64; more only feeds the hasher


def password_validate(*, password: str, name: str = "", email: str = "") -> None:
    """Run ``AUTH_PASSWORD_VALIDATORS`` on a customer's new password; ``ValidationError`` lists every problem.

    Django's similarity validator needs a model instance (it reads ``_meta`` for the field name), and
    customers are not models, so its rule is applied here to the name and e-mail with its own setting.
    """
    errors = []
    for validator in get_default_password_validators():
        try:
            if isinstance(validator, UserAttributeSimilarityValidator):
                _check_similarity(password, validator.max_similarity, name=name, email=email)
            else:
                validator.validate(password, None)
        except ValidationError as e:
            errors.append(e)
    if errors:
        raise ValidationError(errors)


def _check_similarity(password: str, max_similarity: float, *, name: str, email: str) -> None:
    password = password.lower()
    for value, message in (
        (name, _("A senha é muito parecida com o seu nome.")),
        (email, _("A senha é muito parecida com o seu e-mail.")),
    ):
        if not value:
            continue
        value = value.lower()
        for part in [*re.split(r"\W+", value), value]:
            if not part or exceeds_maximum_length_ratio(password, max_similarity, part):
                continue
            if SequenceMatcher(a=password, b=part).quick_ratio() >= max_similarity:
                raise ValidationError(message, code="password_too_similar")
