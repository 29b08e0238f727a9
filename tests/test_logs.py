"""Logs under the product's own configuration: library records carry no content at any level,
and a tight loop of errors cannot flood the disk."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging


@pytest.fixture
def product_logging() -> Iterator[io.StringIO]:
    """The product's own set-up, at its most talkative, writing where the test can read."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    out = io.StringIO()
    configure_logging("DEBUG", out)
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_library_critical_records_keep_no_content(product_logging) -> None:
    batch = [{"update_id": 5, "message": {"from": {"first_name": "Lan", "phone": "0912345678"},
                                          "text": "chong em danh em"}}]
    logging.getLogger("telegram.ext.Updater").critical("Error while processing %s", batch)
    try:
        raise ValueError(str(batch))
    except ValueError:
        logging.getLogger("httpx").exception("request to /bot123:SECRET/getMe failed")
    out = product_logging.getvalue()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["level"] for line in lines] == ["CRITICAL", "ERROR"]
    for secret in ("0912345678", "Lan", "chong", "SECRET", "getMe"):
        assert secret not in out
    assert lines[1]["error"] == "ValueError"


def test_a_tight_error_loop_is_bounded(product_logging) -> None:
    for _ in range(20_000):
        logging.getLogger("telegram.ext.Updater").critical("Error while getting Updates")
    out = product_logging.getvalue()
    assert len(out.splitlines()) <= 250  # the burst, and nothing more within this second
    assert len(out) < 100_000
