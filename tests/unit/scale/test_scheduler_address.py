"""The scheduler address a user types: refused in one line unless Dask can connect to its form."""

from __future__ import annotations

import contextlib
import re
import socket
import threading

import pytest

from labelpact.errors import InvalidInputError
from labelpact.scale.address import scheduler_address


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        (" tls://sched.internal:8786 ", "tls://sched.internal:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_a_dask_address_passes_with_its_scheme(typed: str, address: str) -> None:
    assert scheduler_address(typed) == address


@pytest.mark.parametrize(
    "typed", ["localhost", "http://localhost:8787", "tcp://127.0.0.1:8799x", "tcp://:8786", ""]
)
def test_other_forms_are_bad_input_naming_the_expected_form(typed: str) -> None:
    """Before, each reached Dask and ended as an internal error (ValueError: missing port number...)."""
    with pytest.raises(InvalidInputError, match=re.escape("tcp://10.0.0.5:8786")) as refused:
        scheduler_address(typed)
    assert refused.value.column == "scheduler"


def test_something_else_answering_at_the_address_is_bad_input_not_an_internal_error() -> None:
    """An HTTP server where the scheduler should be: Dask read its answer as a frame length and asked for
    3 EiB (MemoryError, exit 1); now one line naming the address."""
    from labelpact.scale.cluster import cluster_client

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def answer() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                with conn:
                    conn.recv(1024)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        with (
            pytest.raises(InvalidInputError, match=re.escape(f"tcp://127.0.0.1:{port}")),
            cluster_client(f"127.0.0.1:{port}"),
        ):
            pass
    finally:
        server.close()
