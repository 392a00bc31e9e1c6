"""The API against its own OpenAPI document, over real HTTP, with schemathesis generating the requests.

Every phase runs (the document's examples, coverage of its edge cases, fuzzing with valid and invalid
CEPs) with a bounded number of examples, so this takes seconds; any response the document does not
describe (status, headers, body, content type) or any 5xx fails it. The document is the one the app
serves (test_api checks /api/openapi.json equals it): loaded at import time because schemathesis'
fixture-based loader does not run under pytest 9.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from locations.openapi import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
def api_server(live_server, cep_db, settings):
    # A generous limit: the point here is the document; the 429 has its own tests.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "cep_api": (1_000_000, 60)}
    return live_server.url


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_openapi_document(case, api_server):
    case.call_and_validate(base_url=api_server)
