"""A plan's options as counts and percentages of its servers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.plans import PlanOptions


def test_counts_are_taken_as_said() -> None:
    options = PlanOptions(batch=5, max_fail=2)
    assert (options.batch_size(40), options.failures_allowed(40)) == (5, 2)


def test_a_batch_percentage_rounds_up_and_a_failure_percentage_down() -> None:
    options = PlanOptions(batch=25, batch_percent=True, max_fail=25, max_fail_percent=True)
    assert (options.batch_size(10), options.failures_allowed(10)) == (3, 2)
    assert PlanOptions(batch=1, batch_percent=True).batch_size(3) == 1
    assert PlanOptions(max_fail=10, max_fail_percent=True).failures_allowed(5) == 0


def test_the_defaults_are_the_contracts_and_survive_a_round_trip() -> None:
    options = PlanOptions()
    assert (options.batch, options.max_fail, options.pause, options.wait) == (1, 0, 0.0, 600.0)
    assert PlanOptions.model_validate(options.dump()) == options
    with pytest.raises(ValidationError):
        PlanOptions(batch=0)
