"""CSRF secrets, masks and session keys come from ocipizza.randomness: valid, and evenly spread."""

import collections
import string

import pytest
from django.contrib.sessions.backends import base as session_base
from django.middleware import csrf

from ocipizza.randomness import random_string


def test_django_draws_csrf_tokens_and_session_keys_from_it():
    assert csrf.get_random_string is random_string
    assert session_base.get_random_string is random_string


@pytest.mark.parametrize("alphabet", [string.ascii_letters + string.digits, "abc", "0123456789abcdef"])
def test_every_character_is_equally_likely(alphabet):
    draws = 40_000
    counts = collections.Counter(random_string(draws, alphabet))
    assert set(counts) == set(alphabet)
    expected = draws / len(alphabet)
    # Pearson's chi-squared against the uniform distribution. A biased draw (plain ``byte % 62``
    # favours the first 8 characters by 1/31) lands far above this bound; a fair one passes it
    # except about once in a million runs.
    chi_squared = sum((counts[c] - expected) ** 2 / expected for c in alphabet)
    degrees = len(alphabet) - 1
    assert chi_squared < degrees + 7 * (2 * degrees) ** 0.5 + 20


def test_lengths_and_characters():
    for length in (0, 1, 32, 64, 1000):
        token = random_string(length, csrf.CSRF_ALLOWED_CHARS)
        assert len(token) == length and set(token) <= set(csrf.CSRF_ALLOWED_CHARS)
    assert len({random_string(32) for _ in range(1000)}) == 1000


def test_a_masked_token_round_trips_and_every_page_gets_a_new_mask():
    secret = csrf._get_new_csrf_string()
    tokens = {csrf._mask_cipher_secret(secret) for _ in range(100)}
    assert len(tokens) == 100
    assert {csrf._unmask_cipher_token(token) for token in tokens} == {secret}
