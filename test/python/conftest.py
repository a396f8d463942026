"""Session fixtures: the server under test and the oracle's reference server.

- KAIROS_ADDRESS=host:port: test an already running server (Kairos, or for checking the suite
  itself, a real Temporal server); otherwise Kairos start-dev is started on a free port.
- TEMPORAL_ADDRESS=host:port: use an already running real Temporal server as the oracle's
  reference; otherwise the Temporal dev server is started on free ports.
- KAIROS_ORACLE=off: run without the reference (the comparison tests then check Kairos alone).
  Otherwise a reference that cannot start fails those tests; nothing is skipped.
"""
import os
from typing import Iterator, Optional

import pytest

from servers import Server, oracle_enabled, start_kairos, start_temporal


@pytest.fixture(scope="session")
def kairos() -> Iterator[Server]:
    address = os.environ.get("KAIROS_ADDRESS")
    if address:
        yield Server("kairos", address)
        return
    server = start_kairos()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def temporal_dev() -> Iterator[Optional[Server]]:
    if not oracle_enabled():
        yield None
        return
    address = os.environ.get("TEMPORAL_ADDRESS")
    if address:
        yield Server("temporal", address)
        return
    try:
        server = start_temporal()
    except Exception as err:
        raise RuntimeError(
            "the differential oracle needs the real Temporal dev server and it did not start "
            f"(install it with scripts/setup.sh; set KAIROS_ORACLE=off to run without the oracle): {err}"
        ) from err
    yield server
    server.stop()
