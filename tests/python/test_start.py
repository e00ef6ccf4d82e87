"""``UmMock.start()``: the wheel's binary on free ports, its flags, and its end."""

from __future__ import annotations

import gc
import os
import ssl
import subprocess
import sys
import sysconfig
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest

import exchange_um_mock
from conftest import crate_version, installed_binary, reset_pin, servers_started_here
from exchange_um_mock import UmMock, UmMockError


def test_the_package_and_binary_come_from_the_installed_wheel() -> None:
    site_packages = Path(sysconfig.get_path("purelib")).resolve()

    assert Path(exchange_um_mock.__file__).resolve().parent.parent == site_packages
    assert os.access(installed_binary(), os.X_OK)
    assert Path(installed_binary()).resolve().is_relative_to(Path(sys.prefix).resolve())


def test_the_binary_the_package_and_the_server_all_carry_the_crates_version() -> None:
    printed = subprocess.run([installed_binary(), "--version"], capture_output=True, text=True, check=True).stdout

    assert printed.strip() == f"exchange-um-mock {crate_version()}"
    assert version("exchange-um-mock") == crate_version()
    with UmMock.start() as um:
        with urllib.request.urlopen(um.url + "/__admin/health", timeout=10) as answer:
            assert b'"version":"' + crate_version().encode() + b'"' in answer.read().replace(b" ", b"")


def test_start_serves_on_a_free_loopback_port_and_stop_reaps_the_process() -> None:
    before = set(servers_started_here())
    um = UmMock.start()
    started = set(servers_started_here()) - before

    assert um.url.startswith("http://127.0.0.1:")
    assert um.service_url == um.url + "/EWS/UM2007Legacy.asmx"
    assert um.https_url is None and um.ca_pem is None
    assert reset_pin(um.service_url) == 200
    assert len(started) == 1, "the server runs the installed binary"

    um.stop()
    um.stop()  # twice is harmless

    assert not [pid for pid in started if os.path.exists(f"/proc/{pid}")]


def test_leaving_the_with_block_stops_the_server() -> None:
    before = set(servers_started_here())
    with UmMock.start() as um:
        mine = set(servers_started_here()) - before
        assert len(mine) == 1

    assert not [pid for pid in mine if os.path.exists(f"/proc/{pid}")]
    with pytest.raises(UmMockError, match="could not be reached") as refused:
        um.reset()
    assert refused.value.status is None


def test_a_bad_flag_raises_um_mock_error_with_the_binarys_stderr() -> None:
    with pytest.raises(UmMockError) as refused:
        UmMock.start(args=("--bogus",))

    assert refused.value.status is None
    assert "--bogus" in str(refused.value)
    assert "exited with code 2 before it was ready" in str(refused.value)


def test_bad_fixtures_raise_um_mock_error_with_every_problem_the_binary_found(tmp_path: Path) -> None:
    (tmp_path / "mock.json").write_text('{"mailboxes": [{"smtp_address": "not an address"}]}', encoding="utf-8")

    with pytest.raises(UmMockError, match="not an address") as refused:
        UmMock.start(fixtures=tmp_path)

    assert refused.value.status is None


def test_fixtures_and_seed_are_passed_to_the_binary(fixtures_dir: Path) -> None:
    with UmMock.start(fixtures=fixtures_dir, seed=7) as um, UmMock.start(fixtures=str(fixtures_dir), seed=7) as twin:
        assert um.mailbox("zoe@fabrikam.com")["extension"] == "7001"
        with pytest.raises(UmMockError) as refused:
            um.mailbox("alice@contoso.com")
        assert refused.value.status == 404

        assert reset_pin(um.service_url, "zoe@fabrikam.com") == 200
        assert reset_pin(twin.service_url, "zoe@fabrikam.com") == 200
        assert um.latest_pin("zoe@fabrikam.com") == twin.latest_pin("zoe@fabrikam.com")


def test_https_adds_a_listener_whose_certificate_ca_pem_verifies() -> None:
    with UmMock.start(https=True) as um:
        assert um.url.startswith("http://127.0.0.1:")
        assert um.https_url is not None and um.https_url.startswith("https://127.0.0.1:")
        assert um.ca_pem is not None and um.ca_pem.startswith("-----BEGIN CERTIFICATE-----")

        trusting = ssl.create_default_context(cadata=um.ca_pem)
        with urllib.request.urlopen(um.https_url + "/__admin/health", context=trusting, timeout=10) as answer:
            assert answer.status == 200
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(um.https_url + "/__admin/health", context=ssl.create_default_context(), timeout=10)


def test_an_admin_token_among_the_flags_is_sent_by_the_handle() -> None:
    with UmMock.start(args=("--admin-token", "s3cret")) as um:
        assert um.mailbox("alice@contoso.com")["pin"] == "135790"
        with pytest.raises(UmMockError) as refused:
            UmMock.attach(um.url, admin_token="wrong")
        assert refused.value.status == 401


def test_a_handle_dropped_without_stop_stops_its_server() -> None:
    before = set(servers_started_here())
    um = UmMock.start()
    mine = set(servers_started_here()) - before

    del um
    gc.collect()

    assert len(mine) == 1
    assert not [pid for pid in mine if os.path.exists(f"/proc/{pid}")]
