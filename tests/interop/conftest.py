"""Shared by the interop suites (pytest loads it first): the endpoint, a minimal envelope, and
the URLs of the servers under test that tests/interop/run.sh exports."""

import os

import pytest

ENDPOINT = "/EWS/UM2007Legacy.asmx"
NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


def envelope(operation):
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<{operation} xmlns="{NS}"/></s:Body></s:Envelope>'
    )


def server_url(variable):
    """The URL of a server under test that run.sh exports in `variable`, without a trailing
    slash; fails the test, saying how to start one, when it is not set."""
    url = os.environ.get(variable)
    if not url:
        pytest.fail(f"{variable} is not set: start exchange-um-mock and export its URL, or use tests/interop/run.sh")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def base_url():
    return server_url("EXUM_URL")
