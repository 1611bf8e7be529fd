from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from fairlx.core.clock import utcnow


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Time stands still (so a test knows which 30-second step a code belongs to) until shifted."""
    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller
