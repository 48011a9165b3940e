"""The create catalog: the built-in one holds the document's examples; a bad file says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import CatalogError, catalog_data, load_catalog
from vpssim.simulator import Simulator


def test_builtin_catalog_holds_the_documents_examples() -> None:
    catalog = load_catalog()
    assert {(p.id, p.name) for p in catalog.plans} == {(1, "Standard VPS"), (2, "Performance VPS")}
    assert {(o.id, o.name) for o in catalog.operating_systems} == {
        (5, "Ubuntu 22.04 LTS"),
        (3, "Debian 12"),
    }
    assert {loc.code for loc in catalog.locations} == {"us-west", "us-east"}


@pytest.mark.parametrize(
    ("ref", "plan_id"), [("1", 1), ("standard vps", 1), ("Performance VPS", 2)]
)
def test_plans_are_found_by_id_or_name(ref: str, plan_id: int) -> None:
    plan = load_catalog().find_plan(ref)
    assert plan is not None
    assert plan.id == plan_id


def test_unknown_references_are_none() -> None:
    catalog = load_catalog()
    assert catalog.find_plan("Huge VPS") is None
    assert catalog.find_os("99") is None
    assert catalog.find_os("debian 12") is not None


def test_a_custom_file_replaces_the_builtin(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yml"
    path.write_text(
        "plans: [{id: 9, name: Tiny}]\n"
        "operating_systems: [{id: 8, name: Alpine}]\n"
        "locations: [{code: eu-central}]\n"
    )
    catalog = load_catalog(path)
    assert [p.name for p in catalog.plans] == ["Tiny"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("plans: [", "not valid YAML"),
        ("plans: []\noperating_systems: []\n", "locations: Field required"),
        ("plans: [{name: x}]\noperating_systems: []\nlocations: []\n", "plans.0.id"),
    ],
)
def test_bad_catalogs_name_the_file_and_problem(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "catalog.yml"
    path.write_text(text)
    with pytest.raises(CatalogError, match=says) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "nope.yml")


def test_the_simulator_offers_the_builtin_catalog_when_handed_none() -> None:
    """`vpsbot simulator` hands the simulator this catalog; a test that builds one bare sees the
    same plans, images and locations."""
    assert Simulator().offer == Simulator(catalog=catalog_data(load_catalog())).offer
