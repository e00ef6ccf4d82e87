"""The container image built by packaging/image.sh, driven with the engine's command line as a
user would: its settings, the README's walk-through with curl, the health check, a mounted
fixtures folder, `validate`, `docker stop`, the warning about a missing admin token, and the CA
kept in a volume at /state.

Run by tests/container/run.sh, which builds the image and exports EXUM_IMAGE.
"""

import io
import json
import os
import subprocess
import socket
import tarfile
import time
import uuid

import requests

from conftest import Served, crate_package, engine, free_port, inspect

ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    '<ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>'
)
RESET_PIN_RESPONSE = (
    '<s:Body><ResetPINResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body>'
)


def listen_on_loopback():
    return {"EXUM_LISTEN": f"http://127.0.0.1:{free_port()}"}


def writable_by_anyone(path):
    """The server runs as a user of its own: a folder mounted into it must be readable by it."""
    os.chmod(path, 0o755)
    for child in path.rglob("*"):
        os.chmod(child, 0o755 if child.is_dir() else 0o644)


def image_config(image):
    return json.loads(engine("image", "inspect", "--format", "{{json .}}", image).stdout)


def test_the_image_is_at_most_20_000_000_bytes(image):
    assert image_config(image)["Size"] <= 20_000_000


def test_the_image_carries_the_oci_labels_with_the_crates_version_and_license(image):
    labels = image_config(image)["Config"]["Labels"]
    package = crate_package()

    assert labels["org.opencontainers.image.title"] == "exchange-um-mock"
    assert labels["org.opencontainers.image.version"] == package["version"]
    assert labels["org.opencontainers.image.licenses"] == package["license"]
    assert labels["org.opencontainers.image.source"] != ""


def test_the_image_serves_on_0_0_0_0_8080_by_default_as_a_numeric_non_root_user(image):
    config = image_config(image)["Config"]

    assert config["Entrypoint"] == ["/exchange-um-mock"]
    assert config["Cmd"] == ["serve"]
    assert "EXUM_LISTEN=http://0.0.0.0:8080" in config["Env"]
    assert set(config["ExposedPorts"]) == {"8080/tcp", "8443/tcp"}
    user, _, group = config["User"].partition(":")
    assert user.isdigit() and int(user) != 0, config["User"]
    assert group.isdigit() and int(group) != 0, config["User"]
    assert config["Healthcheck"]["Test"] == ["CMD", "/exchange-um-mock", "health"]


def test_the_readme_walk_through_resets_alices_pin_over_the_container(image, tmp_path):
    reset = tmp_path / "reset.xml"
    reset.write_text(ENVELOPE)

    with Served(image, "--seed", "7", env=listen_on_loopback()) as served:
        answer = subprocess.run(
            ["curl", "-s", "-u", "CONTOSO\\alice:any-password", "-H", "Content-Type: text/xml; charset=utf-8",
             "-d", f"@{reset}", f"{served.url}/EWS/UM2007Legacy.asmx"],
            capture_output=True, text=True, check=True,
        ).stdout
        email = json.loads(subprocess.run(
            ["curl", "-s", f"{served.url}/__admin/emails/latest?to=alice@contoso.com"],
            capture_output=True, text=True, check=True,
        ).stdout)
        emails = requests.get(f"{served.url}/__admin/emails", timeout=10).json()

    assert RESET_PIN_RESPONSE in answer, answer
    # The README shows this PIN for --seed 7: the image's binary is the same program.
    assert email["pin"] == "432344"
    assert "PIN: 432344" in email["text_body"]
    assert emails["total"] == 1


def test_docker_inspect_reports_healthy_within_15_s_and_the_server_runs_as_that_user(image):
    started = time.time()
    with Served(image, env=listen_on_loopback()) as served:
        # `docker events` streams the health_status events as they happen; --until bounds it.
        events = subprocess.Popen(
            [os.environ.get("CONTAINER_ENGINE", "docker"), "events", "--since", f"{started:.3f}",
             "--until", f"{started + 15:.3f}", "--filter", f"container={served.name}",
             "--filter", "event=health_status", "--format", "{{.Status}}"],
            stdout=subprocess.PIPE, text=True,
        )
        seen = []
        for line in events.stdout:
            seen.append(line.strip())
            if line.strip() == "health_status: healthy":
                break
        events.terminate()
        events.wait()
        status = inspect(served.name, "{{.State.Health.Status}}")
        # `docker top` runs ps on the host over the container's processes (it needs the pid).
        uids = [row.split()[0] for row in engine("top", served.name, "-o", "uid,pid").stdout.splitlines()[1:]]

    assert "health_status: healthy" in seen, seen
    assert status == "healthy"
    assert uids == [image_config(image)["Config"]["User"].split(":")[0]]


def test_a_mounted_fixtures_folder_is_what_the_container_serves(image, tmp_path):
    fixtures = tmp_path / "my-fixtures"
    fixtures.mkdir()
    (fixtures / "mock.json").write_text(json.dumps({"mailboxes": [
        {"smtp_address": "zed@example.com", "logons": ["EXAMPLE\\zed"], "um_enabled": True, "extension": "7001"}
    ]}))
    writable_by_anyone(tmp_path)

    with Served(image, env={**listen_on_loopback(), "EXUM_FIXTURES": "/fixtures"},
                volumes=[f"{fixtures}:/fixtures:ro"]) as served:
        mailboxes = requests.get(f"{served.url}/__admin/mailboxes", timeout=10).json()

    assert [m["smtp_address"] for m in mailboxes["mailboxes"]] == ["zed@example.com"]


def test_validate_of_a_mounted_folder_exits_0_when_good_and_1_with_every_problem_when_broken(image, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "mock.json").write_text(
        '{"mailboxes": [{"smtp_address": "a@x.com", "extension": "100", "policy": "Nope"}]}'
    )
    good = tmp_path / "good"
    good.mkdir()
    (good / "mock.json").write_text('{"mailboxes": []}')
    writable_by_anyone(tmp_path)

    def validate(folder):
        return engine("run", "--rm", "--network", "none", "-v", f"{folder}:/fixtures:ro", image,
                      "validate", "/fixtures", check=False)

    refused = validate(broken)
    accepted = validate(good)

    assert refused.returncode == 1, refused
    assert refused.stdout.splitlines() == ["mock.json: mailboxes[0].policy: unknown policy 'Nope'"]
    assert accepted.returncode == 0, accepted
    assert accepted.stdout.startswith("fixtures OK: 0 mailboxes")


def test_schema_and_help_run_in_place_of_serve(image):
    schema = engine("run", "--rm", "--network", "none", image, "schema")
    usage = engine("run", "--rm", "--network", "none", image, "--help")

    assert json.loads(schema.stdout)["$schema"].startswith("https://json-schema.org/")
    assert "health" in usage.stdout


def test_docker_stop_ends_a_long_poll_and_exits_0_within_7_s(image):
    with Served(image, env=listen_on_loopback()) as served:
        host, port = served.url.removeprefix("http://").rsplit(":", 1)
        poll = socket.create_connection((host, int(port)), timeout=30)
        poll.sendall(b"GET /__admin/emails/latest?to=nobody@contoso.com&wait_ms=30000 HTTP/1.1\r\n"
                     b"Host: 127.0.0.1\r\n\r\n")
        # Answered after the long-poll was sent: the server has read it by then in practice; if
        # not, it still arrived before the stop, which must not wait 30 s for it either way.
        requests.get(f"{served.url}/__admin/health", timeout=10).raise_for_status()

        started = time.monotonic()
        exit_code = served.stop()
        took = time.monotonic() - started
        answer = poll.recv(65536)
        poll.close()

    assert exit_code == 0, served.stderr
    assert took < 7, f"docker stop took {took:.1f} s"
    assert served.rest_of_stdout == "", "stdout holds only the ready line"
    assert answer.startswith(b"HTTP/1.1 404 "), answer


def admin_token_warnings(stderr):
    return [line for line in stderr.splitlines() if "--admin-token" in line]


def test_the_default_0_0_0_0_listener_without_a_token_logs_one_warning_naming_admin_token(image):
    # --network none: 0.0.0.0 inside a namespace that has only its own loopback.
    with Served(image, network="none") as served:
        assert served.url == "http://0.0.0.0:8080"
        served.stop()

    warnings = admin_token_warnings(served.stderr)
    assert len(warnings) == 1, served.stderr
    assert "WARN" in warnings[0]
    assert "\x1b" not in served.stderr, "no colour codes in docker logs"


def test_with_an_admin_token_there_is_no_warning_and_the_health_check_sends_the_token(image):
    with Served(image, network="none", env={"EXUM_ADMIN_TOKEN": "sesame"}) as served:
        probe = engine("exec", served.name, "/exchange-um-mock", "health", check=False)
        served.stop()

    assert (probe.returncode, probe.stdout) == (0, "ok\n"), probe
    assert admin_token_warnings(served.stderr) == [], served.stderr


def test_a_named_volume_at_state_keeps_the_generated_ca_across_runs(image):
    volume = f"exum-test-ca-{uuid.uuid4().hex[:12]}"
    engine("volume", "create", volume)
    try:
        cas, owners = [], None
        for _ in range(2):
            env = {"EXUM_LISTEN": f"http://127.0.0.1:{free_port()},https://127.0.0.1:{free_port()}",
                   "EXUM_TLS_STATE": "/state"}
            with Served(image, env=env, volumes=[f"{volume}:/state"], listeners=2) as served:
                cas.append(requests.get(f"{served.url}/__admin/ca.pem", timeout=10).text)
                probe = engine("exec", served.name, "/exchange-um-mock", "health", "--url", served.ready[1])
                assert probe.stdout == "ok\n"
                archive = engine_bytes("cp", f"{served.name}:/state", "-")
                owners = {member.name: member.uid for member in tarfile.open(fileobj=io.BytesIO(archive))}
    finally:
        engine("volume", "rm", "-f", volume, check=False)

    assert cas[0].startswith("-----BEGIN CERTIFICATE-----")
    assert cas[0] == cas[1], "the second run reused the CA kept in the volume"
    user = int(image_config(image)["Config"]["User"].split(":")[0])
    assert owners["state"] == user and owners["state/ca.pem"] == user, owners


def engine_bytes(*args):
    return subprocess.run([os.environ.get("CONTAINER_ENGINE", "docker"), *args],
                          capture_output=True, check=True, stdin=subprocess.DEVNULL).stdout


def test_with_an_admin_token_the_admin_api_needs_the_bearer_token_and_the_um_endpoint_does_not(image, tmp_path):
    reset = tmp_path / "reset.xml"
    reset.write_text(ENVELOPE)

    with Served(image, env={**listen_on_loopback(), "EXUM_ADMIN_TOKEN": "change-me"}) as served:
        latest = f"{served.url}/__admin/emails/latest?to=alice@contoso.com"
        answer = subprocess.run(
            ["curl", "-s", "-u", "CONTOSO\\alice:any-password", "-H", "Content-Type: text/xml; charset=utf-8",
             "-d", f"@{reset}", f"{served.url}/EWS/UM2007Legacy.asmx"],
            capture_output=True, text=True, check=True,
        ).stdout
        without = requests.get(latest, timeout=10)
        with_token = subprocess.run(
            ["curl", "-s", "-H", "Authorization: Bearer change-me", latest],
            capture_output=True, text=True, check=True,
        ).stdout

    assert RESET_PIN_RESPONSE in answer, answer
    assert without.status_code == 401
    assert json.loads(with_token)["to"] == "alice@contoso.com"
