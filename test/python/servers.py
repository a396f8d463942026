"""Start Kairos and the real Temporal dev server for the Python suite (real processes, free ports)."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WORK_DIR = REPO_ROOT / "test" / ".work"
KAIROS_MAIN = REPO_ROOT / "services" / "kairos" / "dist" / "main.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text()[-3000:]}")


@dataclass
class Server:
    kind: str
    address: str
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _spawn(name: str, args: list[str]) -> tuple[subprocess.Popen, Path]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log = WORK_DIR / f"{name}-{os.getpid()}-{int(time.time() * 1000)}.log"
    proc = subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return proc, log


def start_kairos() -> Server:
    port = free_port()
    db = WORK_DIR / f"kairos-py-{os.getpid()}-{int(time.time() * 1000)}.db"
    proc, log = _spawn("kairos-py", ["node", str(KAIROS_MAIN), "server", "start-dev", "--ip", "127.0.0.1",
                                      "--port", str(port), "--db-filename", str(db)])
    wait_for_port(port, proc, log)
    return Server("kairos", f"127.0.0.1:{port}", proc)


def temporal_cli() -> str:
    candidates = [os.environ.get("TEMPORAL_CLI"), str(REPO_ROOT / "test" / ".venv" / "bin" / "temporal")]
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise RuntimeError(f"the Temporal CLI is not installed (looked in {candidates}); run scripts/setup.sh")


def start_temporal() -> Server:
    port, http_port, metrics_port, ui_port = free_port(), free_port(), free_port(), free_port()
    db = WORK_DIR / f"temporal-py-{os.getpid()}-{int(time.time() * 1000)}.db"
    proc, log = _spawn("temporal-py", [temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                                        "--port", str(port), "--http-port", str(http_port),
                                        "--metrics-port", str(metrics_port), "--ui-port", str(ui_port),
                                        "--db-filename", str(db), "--log-level", "warn"])
    wait_for_port(port, proc, log)
    return Server("temporal", f"127.0.0.1:{port}", proc)
