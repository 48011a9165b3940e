"""URLs shown to people or logs never carry their credentials."""

from __future__ import annotations

import pytest

from bot.redact import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:password@proxy:8080/api/v1", "http://***@proxy:8080/api/v1"),
        ("https://token@admin.vps.org/api/v1", "https://***@admin.vps.org/api/v1"),
        ("postgresql://bot:s3cr%40t@db:5432/vpsbot", "postgresql://***@db:5432/vpsbot"),
        ("https://admin.vps.org/api/v1", "https://admin.vps.org/api/v1"),
        ("sqlite:///vpsbot.db", "sqlite:///vpsbot.db"),
        ("http://a:b@[::1", "http://***@[::1"),
    ],
)
def test_userinfo_is_hidden_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "password" not in redact_url(url)
