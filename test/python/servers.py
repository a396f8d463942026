"""Start Kairos and the real Temporal dev server for the Python suite (real processes, free ports).

The same conventions as the TypeScript harness (test/src/harness/servers.ts): 127.0.0.1 only,
free ports, logs and databases under test/.work, ready once gRPC health reports the
WorkflowService SERVING and the namespace can be described through the official client.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

REPO_ROOT = Path(__file__).resolve().parents[2]
WORK_DIR = REPO_ROOT / "test" / ".work"
KAIROS_MAIN = REPO_ROOT / "services" / "kairos" / "dist" / "main.js"


def oracle_enabled() -> bool:
    """Only KAIROS_ORACLE=off disables the comparison with the real Temporal dev server."""
    return os.environ.get("KAIROS_ORACLE", "").lower() != "off"


# Ports below the kernel's ephemeral range, each claimed with a file created exclusively in
# test/.work/ports (shared with the TypeScript harness, test/src/harness/ports.ts): the OS never
# hands such a port to a client or to a server binding port 0 (the Temporal dev server's internal
# ports) between our check and the server's bind, and no other test process is given it.
FIRST_PORT, END_PORT = 20_000, 32_000
CLAIMS_DIR = WORK_DIR / "ports"
STALE_CLAIM_SECONDS = 3 * 60 * 60


def _claim(port: int) -> bool:
    path = CLAIMS_DIR / str(port)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        pass
    try:
        if time.time() - path.stat().st_mtime < STALE_CLAIM_SECONDS:
            return False
        path.unlink()
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except OSError:
        return False  # another process reclaimed it first


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port() -> int:
    CLAIMS_DIR.mkdir(parents=True, exist_ok=True)
    for _ in range(1_000):
        port = random.randrange(FIRST_PORT, END_PORT)
        if _claim(port) and _bindable(port):
            return port
    raise RuntimeError(f"no free port between {FIRST_PORT} and {END_PORT} after 1,000 tries (stale claims in {CLAIMS_DIR}?)")


@dataclass
class Server:
    kind: str
    address: str
    proc: Optional[subprocess.Popen] = None
    log: Optional[Path] = None
    extra: list = field(default_factory=list)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log and self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s. Servers given by address (KAIROS_ADDRESS) are left alone."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()


def _spawn(name: str, args: list[str]) -> tuple[subprocess.Popen, Path]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log = WORK_DIR / f"{name}-{os.getpid()}-{int(time.time() * 1000)}.log"
    with log.open("w") as out:
        out.write("$ " + " ".join(args) + "\n")
        out.flush()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return proc, log


async def _serving(address: str, namespace: str) -> None:
    client = await Client.connect(address, namespace=namespace)
    if not await client.service_client.check_health():
        raise RuntimeError("health: not serving")
    await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))


def wait_until_serving(server: Server, namespace: str = "default", timeout: float = 90.0) -> None:
    """Raises with the server's log if it exits or is not serving within the timeout."""
    deadline = time.time() + timeout
    last: Exception | None = None
    while time.time() < deadline:
        if server.proc is not None and server.proc.poll() is not None:
            raise RuntimeError(f"{server.kind} exited ({server.proc.returncode}) while starting:\n{server.tail()}")
        try:
            # In a thread of its own: asyncio.run must not touch pytest-asyncio's loop.
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, asyncio.wait_for(_serving(server.address, namespace), timeout=5)).result()
            return
        except Exception as err:  # noqa: BLE001 - any failure means "not ready yet"
            last = err
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{server.kind} at {server.address} not serving within {timeout} s: {last!r}\n{server.tail()}")


def start_kairos() -> Server:
    """`kairos server start-dev` on a free port and a fresh SQLite file (build first)."""
    if not KAIROS_MAIN.exists():
        raise RuntimeError(f"{KAIROS_MAIN} is missing: run scripts/setup.sh (npx turbo run build)")
    port = free_port()
    db = WORK_DIR / f"kairos-py-{os.getpid()}-{int(time.time() * 1000)}.db"
    args = ["node", str(KAIROS_MAIN), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port), "--db-filename", str(db)]
    if os.environ.get("KAIROS_LOG_LEVEL"):
        args += ["--log-level", os.environ["KAIROS_LOG_LEVEL"]]
    proc, log = _spawn("kairos-py", args)
    server = Server("kairos", f"127.0.0.1:{port}", proc, log)
    wait_until_serving(server)
    return server


def temporal_cli() -> str:
    candidates = [os.environ.get("TEMPORAL_CLI"), str(REPO_ROOT / "test" / ".venv" / "bin" / "temporal")]
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise RuntimeError(f"the Temporal CLI is not installed (looked in {candidates}); run scripts/setup.sh")


def start_temporal() -> Server:
    """The real Temporal dev server: headless, 127.0.0.1 only, every port it opens free."""
    port, http_port, metrics_port, ui_port = free_port(), free_port(), free_port(), free_port()
    db = WORK_DIR / f"temporal-py-{os.getpid()}-{int(time.time() * 1000)}.db"
    proc, log = _spawn("temporal-py", [temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                                        "--port", str(port), "--http-port", str(http_port),
                                        "--metrics-port", str(metrics_port), "--ui-port", str(ui_port),
                                        "--db-filename", str(db), "--log-level", "warn"])
    server = Server("temporal", f"127.0.0.1:{port}", proc, log)
    wait_until_serving(server)
    return server
