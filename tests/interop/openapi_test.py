"""The admin API's OpenAPI 3.1 document and the mock.json schema, checked by the Python tools
other projects will read them with: openapi-spec-validator for the document, jsonschema
(Draft 2020-12) for the fixtures.

Needs a running server: EXUM_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one).
"""

import json
import os
import pathlib
import urllib.request

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

ROOT = pathlib.Path(__file__).resolve().parents[2]


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return json.load(response)


def test_the_openapi_document_is_valid_openapi_3_1(base_url):
    document = get_json(base_url + "/__admin/openapi.json")

    validate(document)

    assert document["openapi"] == "3.1.0"
    assert "/__admin/emails" in document["paths"]


def test_the_served_schema_is_the_committed_one_and_a_valid_2020_12_schema(base_url):
    served = get_json(base_url + "/__admin/schema/mock.json")
    committed = json.loads((ROOT / "fixtures" / "mock.schema.json").read_text())

    Draft202012Validator.check_schema(served)

    assert served == committed


def test_the_default_fixtures_validate_and_a_broken_one_does_not():
    schema = json.loads((ROOT / "fixtures" / "mock.schema.json").read_text())
    validator = Draft202012Validator(schema)
    fixtures = json.loads((ROOT / "fixtures" / "mock.json").read_text())
    broken = {"policies": [{"name": "Strict", "min_pin_length": 3}],
              "mailboxes": [{"smtp_address": "a@x.com", "display_name": "A\r\nBcc: eve@evil.example"}]}

    errors = [e.message for e in validator.iter_errors(fixtures)]
    broken_paths = sorted("/".join(map(str, e.absolute_path)) for e in validator.iter_errors(broken))

    assert errors == []
    assert broken_paths == ["mailboxes/0", "mailboxes/0/display_name", "policies/0/min_pin_length"]
