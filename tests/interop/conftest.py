"""Shared by the interop suites (pytest loads it first): the endpoint, a minimal envelope, and
the URL of the server under test that tests/interop/run.sh exports."""

import os

import pytest

ENDPOINT = "/EWS/UM2007Legacy.asmx"
NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


def envelope(operation):
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<{operation} xmlns="{NS}"/></s:Body></s:Envelope>'
    )


@pytest.fixture(scope="session")
def base_url():
    url = os.environ.get("EXUM_URL")
    if not url:
        pytest.fail("EXUM_URL is not set: start exchange-um-mock and export its URL, or use tests/interop/run.sh")
    return url.rstrip("/")
