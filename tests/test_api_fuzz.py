"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every endpoint in the schema is fuzzed as an anonymous caller and as people of
several roles: no generated request may produce a server error. A new endpoint
is covered as soon as it appears in the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from comptoir.wsgi import application

    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", [None, "coordinator", "social_worker_a", "volunteer_s"])
def test_no_generated_api_request_produces_a_server_error(api_schema, persona, request):
    headers = {}
    if persona:
        account = request.getfixturevalue(persona)
        token, _created = Token.objects.get_or_create(user=account)
        headers = {"Authorization": f"Token {token.key}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case):
            response = case.call(headers={**(case.headers or {}), **headers})
            case.validate_response(response, checks=[not_a_server_error])

        fuzz()
