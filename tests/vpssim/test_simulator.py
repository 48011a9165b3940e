"""The simulator keeps to the VPS.org document, over real loopback HTTP with plain httpx."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
import pytest

from vpssim.simulator import (
    PROVISIONING_MESSAGE,
    Durations,
    RunningSimulator,
    Simulator,
    serve_forever,
    start_simulator,
)

TOKEN = "test-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOC_RANGES = [
    ipaddress.ip_network(n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")
]

# The document's examples, verbatim.
DOC_LIST_RESULTS = [
    {
        "id": 12345,
        "name": "web-server-01",
        "hostname": "web01.example.com",
        "status": "active",
        "ip_address": "203.0.113.10",
        "location": "us-west",
        "plan": {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80},
        "os": {"id": 5, "name": "Ubuntu 22.04 LTS"},
        "created_at": "2025-01-10T14:30:00Z",
        "updated_at": "2025-01-15T10:20:00Z",
    },
    {
        "id": 12346,
        "name": "db-server-01",
        "hostname": "db01.example.com",
        "status": "active",
        "ip_address": "203.0.113.11",
        "location": "us-east",
        "plan": {"id": 2, "name": "Performance VPS", "vcpus": 4, "memory": 8192, "storage": 160},
        "os": {"id": 3, "name": "Debian 12"},
        "created_at": "2025-01-12T09:15:00Z",
        "updated_at": "2025-01-16T08:45:00Z",
    },
]
DOC_DETAIL = {
    "id": 12345,
    "name": "web-server-01",
    "hostname": "web01.example.com",
    "status": "active",
    "ip_address": "203.0.113.10",
    "ipv6_address": "2001:0db8::1",
    "location": "us-west",
    "plan": {
        "id": 1,
        "name": "Standard VPS",
        "vcpus": 2,
        "memory": 4096,
        "storage": 80,
        "bandwidth": 2048,
    },
    "os": {"id": 5, "name": "Ubuntu 22.04 LTS"},
    "backups_enabled": True,
    "resource_usage": {
        "cpu_percent": 23.5,
        "memory_used": 2048,
        "disk_used": 35,
        "bandwidth_used": 450,
    },
    "created_at": "2025-01-10T14:30:00Z",
    "updated_at": "2025-01-16T15:45:00Z",
}
DOC_CREATE_BODY = {
    "name": "web-server-02",
    "plan_id": 1,
    "os_id": 5,
    "location": "us-west",
    "hostname": "web02.example.com",
    "backups_enabled": True,
}
DOC_CREATE_KEYS = [
    "id",
    "name",
    "hostname",
    "status",
    "ip_address",
    "location",
    "plan",
    "os",
    "backups_enabled",
    "created_at",
    "updated_at",
    "message",
]
ENDPOINTS = [
    ("GET", "servers/"),
    ("POST", "servers/"),
    ("GET", "servers/12345/"),
    ("PUT", "servers/12345/"),
    ("PATCH", "servers/12345/"),
    ("DELETE", "servers/12345/"),
    ("POST", "servers/12345/start/"),
    ("POST", "servers/12345/stop/"),
    ("POST", "servers/12345/reboot/"),
]
PER_SERVER = [(method, path.replace("12345", "99999")) for method, path in ENDPOINTS[2:]]


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def serving(sim: Simulator) -> AsyncIterator[tuple[RunningSimulator, httpx.AsyncClient]]:
    """Serve `sim` on loopback and hand back an authenticated client for it."""
    async with (
        await start_simulator(sim) as running,
        httpx.AsyncClient(base_url=running.url, headers=AUTH, timeout=5) as client,
    ):
        yield running, client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(token=TOKEN, seed=2, clock=clock)


@pytest.fixture
async def running(sim: Simulator) -> AsyncIterator[RunningSimulator]:
    async with serving(sim) as (running, _):
        yield running


@pytest.fixture
async def client(running: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running.url, headers=AUTH, timeout=5) as client:
        yield client


async def create(client: httpx.AsyncClient, **changes: object) -> dict[str, object]:
    response = await client.post("servers/", json={**DOC_CREATE_BODY, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def status_of(client: httpx.AsyncClient, server_id: object) -> str:
    response = await client.get(f"servers/{server_id}/")
    assert response.status_code == 200
    return str(response.json()["status"])


# --- success shapes ------------------------------------------------------------------------------


async def test_url_is_the_api_base_without_trailing_slash(running: RunningSimulator) -> None:
    assert running.url.startswith("http://127.0.0.1:")
    assert running.url.endswith("/api/v1")


async def test_list_is_the_documents_example(client: httpx.AsyncClient) -> None:
    response = await client.get("servers/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": DOC_LIST_RESULTS,
    }


async def test_details_are_the_documents_example(client: httpx.AsyncClient) -> None:
    response = await client.get("servers/12345/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(DOC_DETAIL)
    # The document's detail example was captured a day after its list example.
    assert {**body, "updated_at": None} == {**DOC_DETAIL, "updated_at": None}


async def test_create_answers_201_provisioning_without_address(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    response = await client.post("servers/", json=DOC_CREATE_BODY)
    assert response.status_code == 201
    body = response.json()
    assert list(body) == DOC_CREATE_KEYS
    assert body["id"] == 12347
    assert body["status"] == "provisioning"
    assert body["ip_address"] is None
    assert body["backups_enabled"] is True
    assert body["message"] == PROVISIONING_MESSAGE
    assert body["plan"] == DOC_LIST_RESULTS[0]["plan"]
    assert body["os"] == {"id": 5, "name": "Ubuntu 22.04 LTS"}
    assert str(body["created_at"]).endswith("Z")
    assert body["created_at"] == body["updated_at"]
    assert sim.credits == pytest.approx(95.0)


async def test_create_defaults_backups_off_and_hostname_null(client: httpx.AsyncClient) -> None:
    body = {"name": "bare", "plan_id": 2, "os_id": 3, "location": "us-east"}
    response = await client.post("servers/", json=body)
    assert response.status_code == 201
    assert response.json()["backups_enabled"] is False
    assert response.json()["hostname"] is None


async def test_put_replaces_the_three_fields(client: httpx.AsyncClient) -> None:
    body = {
        "name": "web-server-updated",
        "hostname": "web-updated.example.com",
        "backups_enabled": False,
    }
    response = await client.put("servers/12345/", json=body)
    assert response.status_code == 200
    answer = response.json()
    assert list(answer) == list(DOC_DETAIL)
    assert {k: answer[k] for k in body} == body
    assert answer["updated_at"] != DOC_LIST_RESULTS[0]["updated_at"]
    fetched = (await client.get("servers/12345/")).json()
    assert {k: fetched[k] for k in body} == body


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient) -> None:
    response = await client.patch("servers/12345/", json={"name": "new-server-name", "x": 1})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(DOC_DETAIL)
    assert body["name"] == "new-server-name"
    assert body["hostname"] == "web01.example.com"
    assert body["backups_enabled"] is True
    assert "x" not in body


async def test_patch_validates_and_changes_nothing_when_wrong(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "servers/12345/", json={"name": "fine-name", "hostname": "not a host"}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["hostname"]
    assert (await client.get("servers/12345/")).json()["name"] == "web-server-01"


async def test_delete_answers_204_without_body_and_the_server_is_gone(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("servers/12345/")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get("servers/12345/")).status_code == 404
    assert (await client.delete("servers/12345/")).status_code == 404
    assert [s["id"] for s in (await client.get("servers/")).json()["results"]] == [12346]


async def test_action_answer_is_the_documents_example(client: httpx.AsyncClient) -> None:
    response = await client.post("servers/12345/stop/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "message": "Server is stopping",
        "server": {"id": 12345, "name": "web-server-01", "status": "stopping"},
    }


# --- authentication and not found -----------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer wrong-token"}, "Invalid token."),
        ({"Authorization": f"Token {TOKEN}"}, "Authentication credentials were not provided."),
    ],
)
async def test_every_endpoint_refuses_a_missing_or_wrong_token(
    running: RunningSimulator,
    sim: Simulator,
    method: str,
    path: str,
    headers: dict[str, str],
    detail: str,
) -> None:
    async with httpx.AsyncClient(base_url=running.url, headers=headers) as anonymous:
        response = await anonymous.request(method, path, json=DOC_CREATE_BODY)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Refused means nothing happened.
    assert sim.get_server(12345) is not None
    assert sim.get_server(12345)["status"] == "active"  # type: ignore[index]
    assert sim.get_server(12347) is None


@pytest.mark.parametrize(("method", "path"), PER_SERVER)
async def test_every_per_server_endpoint_says_not_found(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"name": "n", "hostname": "n.example.com", "backups_enabled": False}
    response = await client.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "path",
    ["servers", "servers/12345", "servers/12345/stop", "servers/abc/", "servers/-1/", "server/"],
)
async def test_paths_without_trailing_slash_or_integer_id_are_not_found(
    client: httpx.AsyncClient, sim: Simulator, path: str
) -> None:
    method = "POST" if path.endswith("stop") else "GET"
    response = await client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert sim.get_server(12345)["status"] == "active"  # type: ignore[index]


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.post("servers/12345/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name": "web server"}, {"name": ["Use only letters, digits and hyphens."]}),
        ({"name": "a" * 64}, {"name": ["Ensure this field has no more than 63 characters."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": 7}, {"name": ["Not a valid string."]}),
        ({"plan_id": "1"}, {"plan_id": ["A valid integer is required."]}),
        ({"plan_id": True}, {"plan_id": ["A valid integer is required."]}),
        ({"plan_id": 999}, {"plan_id": ['Invalid plan_id "999" - object does not exist.']}),
        ({"os_id": 1}, {"os_id": ['Invalid os_id "1" - object does not exist.']}),
        ({"location": "mars"}, {"location": ['"mars" is not a valid choice.']}),
        (
            {"hostname": "web02"},
            {"hostname": ["Enter a valid fully qualified hostname, e.g. web01.example.com."]},
        ),
        (
            {"hostname": "-bad.example.com"},
            {"hostname": ["Enter a valid fully qualified hostname, e.g. web01.example.com."]},
        ),
        ({"ssh_key_id": 0}, {"ssh_key_id": ["Ensure this value is greater than or equal to 1."]}),
        ({"ssh_key_id": "k"}, {"ssh_key_id": ["A valid integer is required."]}),
        ({"backups_enabled": "true"}, {"backups_enabled": ["Must be a valid boolean."]}),
        ({"name": None}, {"name": ["This field may not be null."]}),
    ],
)
async def test_create_names_the_wrong_field(
    client: httpx.AsyncClient, sim: Simulator, changes: dict[str, object], errors: object
) -> None:
    response = await client.post("servers/", json={**DOC_CREATE_BODY, **changes})
    assert response.status_code == 400
    assert response.json() == errors
    assert sim.get_server(12347) is None
    assert sim.credits == pytest.approx(100.0)


async def test_create_requires_the_four_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("servers/", json={})
    assert response.status_code == 400
    required = ["This field is required."]
    assert response.json() == dict.fromkeys(("name", "plan_id", "os_id", "location"), required)


async def test_create_accepts_extras_and_the_longest_name(client: httpx.AsyncClient) -> None:
    body = await create(
        client, name="a" * 63, plan_id=7, os_id=8, location="ap-south", ssh_key_id=3
    )
    assert body["plan"] == {
        "id": 7,
        "name": "Dedicated CPU VPS",
        "vcpus": 8,
        "memory": 16384,
        "storage": 320,
    }
    assert body["location"] == "ap-south"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "JSON parse error - "),
        (b"\xff\xfe", "JSON parse error - "),
    ],
)
async def test_a_body_that_is_not_json_is_a_parse_error(
    client: httpx.AsyncClient, content: bytes, expected: str
) -> None:
    response = await client.post(
        "servers/", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(expected)


async def test_a_json_body_that_is_not_an_object_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("servers/", json=[DOC_CREATE_BODY])
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


async def test_put_requires_all_three_fields(client: httpx.AsyncClient) -> None:
    response = await client.put("servers/12345/", json={"name": "only-name"})
    assert response.status_code == 400
    assert response.json() == {
        "hostname": ["This field is required."],
        "backups_enabled": ["This field is required."],
    }
    response = await client.put("servers/12345/", json={})
    assert set(response.json()) == {"name", "hostname", "backups_enabled"}
    assert (await client.get("servers/12345/")).json()["name"] == "web-server-01"


# --- credits -------------------------------------------------------------------------------------


async def test_create_charges_credits_and_402_when_they_run_out(clock: FakeClock) -> None:
    sim = Simulator(token=TOKEN, seed=2, credits=12.0, clock=clock)
    async with serving(sim) as (_, client):
        await create(client, plan_id=2)
        assert sim.credits == pytest.approx(2.0)
        response = await client.post("servers/", json=DOC_CREATE_BODY)
        assert response.status_code == 402
        assert response.json() == {"detail": "Insufficient credits."}
        assert sim.get_server(12348) is None
        sim.credits = 5.0
        assert (await create(client))["id"] == 12348
        assert sim.credits == pytest.approx(0.0)


# --- lifecycle -----------------------------------------------------------------------------------


async def test_provisioning_becomes_active_with_addresses(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    server_id = (await create(client))["id"]
    clock.advance(19.9)
    details = (await client.get(f"servers/{server_id}/")).json()
    assert details["status"] == "provisioning"
    assert details["ip_address"] is None
    assert details["ipv6_address"] is None
    clock.advance(0.2)
    details = (await client.get(f"servers/{server_id}/")).json()
    assert details["status"] == "active"
    assert any(ipaddress.ip_address(details["ip_address"]) in net for net in DOC_RANGES)
    assert details["ip_address"] not in {"203.0.113.10", "203.0.113.11"}
    assert details["ipv6_address"].startswith("2001:0db8::")
    listed = (await client.get("servers/", params={"status": "active"})).json()
    assert server_id in [s["id"] for s in listed["results"]]


async def test_stop_start_reboot_walk_the_lifecycle(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    assert (await client.post("servers/12345/stop/")).json()["server"]["status"] == "stopping"
    clock.advance(4.9)
    assert await status_of(client, 12345) == "stopping"
    clock.advance(0.1)
    assert await status_of(client, 12345) == "stopped"
    details = (await client.get("servers/12345/")).json()
    assert details["resource_usage"]["cpu_percent"] == 0.0
    assert details["ip_address"] == "203.0.113.10"

    started = (await client.post("servers/12345/start/")).json()
    assert started["message"] == "Server is starting"
    assert started["server"]["status"] == "starting"
    clock.advance(5)
    assert await status_of(client, 12345) == "active"

    rebooted = (await client.post("servers/12345/reboot/")).json()
    assert rebooted["message"] == "Server is rebooting"
    clock.advance(7.9)
    assert await status_of(client, 12345) == "rebooting"
    clock.advance(0.1)
    assert await status_of(client, 12345) == "active"


@pytest.mark.parametrize(
    ("status", "action", "detail"),
    [
        ("active", "start", "Server is already running."),
        ("starting", "start", "Server is already running."),
        ("rebooting", "start", "Server is already running."),
        ("stopped", "stop", "Server is not running."),
        ("stopped", "reboot", "Server is not running."),
        ("suspended", "start", "Server is suspended."),
        ("suspended", "stop", "Server is suspended."),
        ("suspended", "reboot", "Server is suspended."),
        ("stopping", "stop", "Server is already stopping."),
    ],
)
async def test_actions_refused_in_the_wrong_status(
    client: httpx.AsyncClient, sim: Simulator, status: str, action: str, detail: str
) -> None:
    sim.set_status(12345, status)
    response = await client.post(f"servers/12345/{action}/")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert await status_of(client, 12345) == status


@pytest.mark.parametrize("action", ["start", "stop", "reboot"])
async def test_a_busy_server_refuses_actions_with_a_reason(
    client: httpx.AsyncClient, action: str
) -> None:
    server_id = (await create(client))["id"]
    response = await client.post(f"servers/{server_id}/{action}/")
    assert response.status_code == 400
    assert "provisioned" in response.json()["detail"]


async def test_start_while_stopping_says_so(client: httpx.AsyncClient) -> None:
    await client.post("servers/12345/stop/")
    response = await client.post("servers/12345/start/")
    assert response.status_code == 400
    assert "stopping" in response.json()["detail"]


async def test_instant_durations_finish_by_the_next_read() -> None:
    sim = Simulator(token=TOKEN, seed=2, durations=Durations.instant())
    async with serving(sim) as (_, client):
        created = await create(client)
        assert created["status"] == "provisioning"
        assert await status_of(client, created["id"]) == "active"


# --- list: pagination and filters ----------------------------------------------------------------


async def test_pages_of_250_servers_link_with_absolute_urls(clock: FakeClock) -> None:
    sim = Simulator(token=TOKEN, seed=250, page_size=100, clock=clock)
    async with serving(sim) as (running, client):
        first = (await client.get("servers/")).json()
        assert first["count"] == 250
        assert len(first["results"]) == 100
        assert first["previous"] is None
        assert first["next"] == f"{running.url}/servers/?page=2"
        second = (await client.get(first["next"])).json()
        assert second["previous"] == f"{running.url}/servers/"
        assert second["next"] == f"{running.url}/servers/?page=3"
        third = (await client.get(second["next"])).json()
        assert len(third["results"]) == 50
        assert third["next"] is None
        assert third["previous"] == f"{running.url}/servers/?page=2"
        ids = [s["id"] for page in (first, second, third) for s in page["results"]]
        assert ids == list(range(12345, 12595))
        assert first["results"][:2] == DOC_LIST_RESULTS


@pytest.mark.parametrize("page", ["4", "0", "-1", "abc"])
async def test_a_page_out_of_range_is_invalid(clock: FakeClock, page: str) -> None:
    sim = Simulator(token=TOKEN, seed=250, clock=clock)
    async with serving(sim) as (_, client):
        response = await client.get("servers/", params={"page": page})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


async def test_filters_apply_and_survive_in_next(clock: FakeClock) -> None:
    sim = Simulator(token=TOKEN, seed=250, page_size=10, clock=clock)
    query = {"status": "active", "location": "us-west"}
    async with serving(sim) as (_, client):
        page = (await client.get("servers/", params=query)).json()
        found = list(page["results"])
        assert "status=active" in page["next"]
        assert "location=us-west" in page["next"]
        while page["next"]:
            page = (await client.get(page["next"])).json()
            found += page["results"]
        everyone = [sim.get_server(i) for i in range(12345, 12595)]
    expected = [
        s["id"] for s in everyone if s and s["status"] == "active" and s["location"] == "us-west"
    ]
    assert page["count"] == len(found) == len(expected) > 10
    assert [s["id"] for s in found] == expected


async def test_status_filter_shows_stopped_servers(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.set_status(12346, "stopped")
    body = (await client.get("servers/", params={"status": "stopped"})).json()
    assert [s["id"] for s in body["results"]] == [12346]
    assert body["count"] == 1


async def test_an_unknown_status_filter_is_a_field_error(client: httpx.AsyncClient) -> None:
    response = await client.get("servers/", params={"status": "running"})
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


async def test_an_unknown_location_lists_nothing(client: httpx.AsyncClient) -> None:
    body = (await client.get("servers/", params={"location": "mars"})).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


# --- the seeded fleet ----------------------------------------------------------------------------


def fleet(size: int, catalog: Mapping[str, object] | None = None) -> list[dict[str, object]]:
    sim = Simulator(seed=size, catalog=catalog)
    return [s for i in range(12345, 12345 + size) if (s := sim.get_server(i)) is not None]


OWN_CATALOG: dict[str, object] = {  # plain data, as the bot hands over its catalog.yml
    "plans": [
        {"id": 21, "name": "Tiny", "vcpus": 1, "memory": 1024, "storage": 20, "bandwidth": 500},
        {"id": 22, "name": "Huge", "vcpus": 16, "memory": 65536, "storage": 960},
        {"id": 23, "name": "Odd"},
    ],
    "operating_systems": [{"id": 31, "name": "Debian 13"}],
    "locations": [{"code": "eu-north", "name": "EU North"}, {"code": "us-west"}],
}


def test_the_fleet_wears_the_catalog_it_serves_and_keeps_its_names() -> None:
    built_in, own = fleet(120), fleet(120, OWN_CATALOG)
    assert [(s["name"], s["status"]) for s in own] == [(s["name"], s["status"]) for s in built_in]
    assert {s["plan"]["name"] for s in own} == {"Tiny", "Huge", "Odd"}  # type: ignore[index]
    assert {s["os"]["name"] for s in own} == {"Debian 13"}  # type: ignore[index]
    assert {s["location"] for s in own} == {"eu-north", "us-west"}
    for server in own:  # usage fits the plan it wears
        plan, usage = server["plan"], server["resource_usage"]
        if plan["memory"]:  # type: ignore[index]
            assert usage["memory_used"] <= plan["memory"]  # type: ignore[index]


async def test_a_create_takes_the_served_catalogs_ids_and_the_api_extras() -> None:
    async with serving(Simulator(token=TOKEN, catalog=OWN_CATALOG)) as (_, client):
        own = await create(client, name="a-1", plan_id=22, os_id=31, location="eu-north")
        await create(client, name="a-2", plan_id=7, os_id=8, location="ap-south")
        unknown = await client.post(
            "servers/", json={**DOC_CREATE_BODY, "name": "a-3", "plan_id": 99}
        )
    assert own["plan"] == {"id": 22, "name": "Huge", "vcpus": 16, "memory": 65536, "storage": 960}
    assert unknown.status_code == 400
    assert list(unknown.json()) == ["plan_id"]


def test_same_seed_same_fleet_and_a_longer_fleet_extends_it() -> None:
    assert fleet(60) == fleet(60)
    assert fleet(61)[:60] == fleet(60)
    assert fleet(1)[0]["name"] == "web-server-01"
    assert fleet(0) == []


def test_the_fleet_is_varied_and_unique() -> None:
    servers = fleet(250)
    names = [s["name"] for s in servers]
    assert len(set(names)) == 250
    assert "web-server-02" not in names  # left for the document's create example
    prefixes = {str(n).split("-")[0] for n in names}
    assert prefixes == {"web", "db", "api", "cache", "worker"}
    statuses = [s["status"] for s in servers]
    assert statuses.count("active") > statuses.count("stopped") > statuses.count("suspended") > 0
    # It wears the catalog it serves (the built-in one): what `/vps create` offers, all of it.
    assert {s["location"] for s in servers} == {"us-west", "us-east"}
    assert {s["plan"]["id"] for s in servers} == {1, 2}  # type: ignore[index]
    assert {s["os"]["id"] for s in servers} == {3, 5}  # type: ignore[index]
    ips = [ipaddress.ip_address(str(s["ip_address"])) for s in servers]
    assert len(set(ips)) == 250
    assert all(any(ip in net for net in DOC_RANGES) for ip in ips)


def test_addresses_stay_unique_and_private_beyond_the_documentation_ranges() -> None:
    ips = [ipaddress.ip_address(str(s["ip_address"])) for s in fleet(900)]
    assert len(set(ips)) == 900
    assert all(ip.is_private for ip in ips)


# --- injected faults, latency, request log, hooks -----------------------------------------------


async def test_an_injected_failure_answers_once_with_retry_after(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.inject_failure(503, retry_after=7)
    client.headers.pop("Authorization")  # a proxy answers before the API checks the token
    response = await client.get("servers/")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json() == {"detail": "Service temporarily unavailable."}
    assert (await client.get("servers/")).status_code == 401


async def test_injected_failures_match_method_and_path(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.inject_failure(500, method="post", path_suffix="/stop/", times=2)
    assert (await client.get("servers/")).status_code == 200
    assert (await client.post("servers/12346/reboot/")).status_code == 200
    first = await client.post("servers/12345/stop/")
    assert first.status_code == 500
    assert first.json() == {"detail": "A server error occurred."}
    assert (await client.post("servers/12345/stop/")).status_code == 500
    assert await status_of(client, 12345) == "active"  # a failed request changed nothing
    assert (await client.post("servers/12345/stop/")).status_code == 200


async def test_an_injected_html_page_is_sent_as_is(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    sim.inject_failure(502, body=page, content_type="text/html")
    response = await client.get("servers/12345/")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == page


async def test_an_injected_disconnect_drops_the_connection_once(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.inject_disconnect(method="GET")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("servers/")
    assert (await client.get("servers/")).status_code == 200


async def test_cleared_failures_are_not_answered(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.inject_failure(503, times=5)
    sim.clear_failures()
    assert (await client.get("servers/")).status_code == 200


async def test_latency_delays_every_answer(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.latency = 0.3
    started = time.monotonic()
    response = await client.get("servers/12345/")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.25


async def test_the_request_log_keeps_every_request(
    running: RunningSimulator, client: httpx.AsyncClient, sim: Simulator
) -> None:
    await client.get("servers/", params={"status": "active"})
    await client.get("servers")
    await client.post("servers/12345/stop/")
    async with httpx.AsyncClient(base_url=running.url) as anonymous:
        await anonymous.delete("servers/12346/")
    assert sim.requests == [
        ("GET", "/api/v1/servers/?status=active"),
        ("GET", "/api/v1/servers"),
        ("POST", "/api/v1/servers/12345/stop/"),
        ("DELETE", "/api/v1/servers/12346/"),
    ]


async def test_changes_made_outside_the_bot_show_up(
    client: httpx.AsyncClient, sim: Simulator, clock: FakeClock
) -> None:
    added = sim.add_server("ops-box", hostname="ops.example.com", location="eu-central")
    assert added["id"] == 12347
    assert added["ip_address"] is not None
    listed = (await client.get("servers/", params={"location": "eu-central"})).json()
    assert [s["name"] for s in listed["results"]] == ["ops-box"]

    sim.set_status(12346, "rebooting")
    assert await status_of(client, 12346) == "rebooting"
    clock.advance(8)
    assert await status_of(client, 12346) == "active"

    sim.remove_server(12345)
    assert (await client.get("servers/12345/")).status_code == 404
    assert (await create(client))["id"] == 12348  # ids are never reused


def test_hooks_refuse_what_does_not_exist(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="bogus"):
        sim.set_status(12345, "bogus")
    with pytest.raises(KeyError):
        sim.set_status(99999, "active")
    with pytest.raises(KeyError):
        sim.remove_server(99999)
    with pytest.raises(ValueError, match="bogus"):
        sim.add_server("x", status="bogus")
    assert sim.get_server(12347) is None


# --- serving -------------------------------------------------------------------------------------


async def test_serve_forever_serves_until_cancelled_and_never_logs_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.DEBUG)
    task = asyncio.create_task(serve_forever(Simulator(token=TOKEN, seed=2), "127.0.0.1", port))
    url = f"http://127.0.0.1:{port}/api/v1"
    async with httpx.AsyncClient(base_url=url, headers=AUTH) as client:
        for _ in range(100):
            try:
                response = await client.get("servers/")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
        assert response.status_code == 200
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(httpx.ConnectError):
            await client.get("servers/")
    assert url in caplog.text
    assert TOKEN not in caplog.text
