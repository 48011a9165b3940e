"""How the suite is spread over pytest-xdist workers (`--dist loadgroup`, pyproject.toml).

Tests are sent to workers one by one, except the files below: each runs whole on one worker, so
its module-scoped fixtures (the replica tests' three `vpsbot run` processes per setup) start
once, not once per worker that happens to get one of its tests. (xdist's own `xdist_group`
marker does not group on pytest 9: it renames `item._nodeid`, which pytest 9 no longer reads.)
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadGroupScheduling

TOGETHER = ("tests/e2e/test_replicas.py::",)


class _FilesTogether(LoadGroupScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return next((p for p in TOGETHER if nodeid.startswith(p)), nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadGroupScheduling | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    return _FilesTogether(config, log)  # type: ignore[arg-type]
