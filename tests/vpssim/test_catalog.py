"""The simulator offers the catalog its caller hands over (plain data) beside its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from vpssim.simulator import Simulator, start_simulator

CATALOG = {
    "plans": [{"id": 10, "name": "Tiny VPS", "vcpus": 1, "memory": 512, "storage": 10}],
    "operating_systems": [{"id": 11, "name": "Alpine 3.20"}],
    "locations": [{"code": "eu-north", "name": "EU North"}],
}
BODY = {"name": "tiny-01", "plan_id": 10, "os_id": 11, "location": "eu-north"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    sim = Simulator(seed=0, catalog=CATALOG)
    headers = {"Authorization": f"Bearer {sim.token}"}
    async with (
        await start_simulator(sim) as running,
        httpx.AsyncClient(base_url=running.url, headers=headers, timeout=5) as client,
    ):
        yield client


async def test_a_handed_catalog_is_what_create_offers(client: httpx.AsyncClient) -> None:
    response = await client.post("servers/", json=BODY)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["plan"] == CATALOG["plans"][0]
    assert created["os"] == {"id": 11, "name": "Alpine 3.20"}
    assert created["location"] == "eu-north"


async def test_the_documents_catalog_and_the_extras_stay_on_offer(
    client: httpx.AsyncClient,
) -> None:
    for plan_id, location in ((1, "us-west"), (7, "ap-south")):
        body = {**BODY, "plan_id": plan_id, "location": location}
        response = await client.post("servers/", json=body)
        assert response.status_code == 201, response.text


def test_the_callers_entry_wins_over_the_documents_of_the_same_id() -> None:
    renamed = {**CATALOG, "plans": [{"id": 1, "name": "Small"}]}
    web = Simulator(seed=1, catalog=renamed).get_server(12345)
    assert web is not None
    plan = web["plan"]
    assert isinstance(plan, dict)
    assert (plan["id"], plan["name"]) == (1, "Small")
