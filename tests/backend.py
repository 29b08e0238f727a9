"""Which database the current backend test runs on (set by conftest's ``database_url``).

``None``: SQLite, at the path the test gives. A URL: PostgreSQL. ``open_store`` and the
Telegram harness read it, so a test module runs on both backends by asking for the fixture
(``pytestmark = pytest.mark.usefixtures("database_url")``) without changing its tests."""

from __future__ import annotations

URL: str | None = None
