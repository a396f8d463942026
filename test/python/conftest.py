import os

import pytest

from servers import Server, start_kairos, start_temporal


@pytest.fixture(scope="session")
def kairos() -> Server:
    address = os.environ.get("KAIROS_ADDRESS")
    if address:
        yield Server("kairos", address, None)  # type: ignore[arg-type]
        return
    server = start_kairos()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def temporal_dev() -> Server:
    server = start_temporal()
    yield server
    server.stop()
