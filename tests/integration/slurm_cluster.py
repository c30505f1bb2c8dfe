"""A throw-away single-node Slurm cluster on this machine, for the Slurm integration test.

It installs Debian's ``slurm-wlm`` and ``munge`` when they are missing (root only), writes a
``slurm.conf`` for one node on localhost with every state, spool, pid and log file under a
temporary directory, and starts its own ``munged``, ``slurmctld`` and ``slurmd`` on free ports.
Clients reach it through the ``SLURM_CONF`` environment variable (``env``), so a system Slurm,
if any, is not touched. ``stop`` ends only the daemons this object started, by their pids.

Used as a context manager by ``tests/integration/test_slurm.py``; also runnable by hand:
``python tests/integration/slurm_cluster.py`` starts a cluster, runs a 3-task job array and
stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scancel", "srun")
APT_PACKAGES = ("slurm-wlm", "munge", "libpmix-dev")  # libpmix.so: srun --mpi=pmix


class SlurmUnavailable(RuntimeError):
    """Slurm cannot run here; the message says why (the test skips with it)."""


def _which(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/sbin") if (p := Path(d) / name).exists()), None)


def ensure_installed() -> None:
    """Install slurm-wlm and munge from Debian if a daemon or client is missing.

    Raises:
        SlurmUnavailable: not root, no apt-get, or the install failed.
    """
    missing = [n for n in DAEMONS + CLIENTS + ("mungekey",) if _which(n) is None]
    if not _has_libpmix():
        missing.append("libpmix.so")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable(f"{', '.join(missing)} missing and not root to install them")
    if shutil.which("apt-get") is None:
        raise SlurmUnavailable(f"{', '.join(missing)} missing and no apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:  # package lists may be stale or absent on a fresh machine
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise SlurmUnavailable(f"apt-get install {' '.join(APT_PACKAGES)} failed: {tail}")
    still = [n for n in DAEMONS + CLIENTS if _which(n) is None]
    if still:
        raise SlurmUnavailable(f"after install still missing: {', '.join(still)}")


def _has_libpmix() -> bool:
    """Slurm's mpi/pmix plugin dlopens the unversioned libpmix.so (Debian's libpmix-dev)."""
    import glob

    return bool(glob.glob("/usr/lib/*/libpmix.so") + glob.glob("/usr/lib/*/pmix2/lib/libpmix.so"))


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _real_memory_mb() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise SlurmUnavailable("cannot read MemTotal from /proc/meminfo")


def slurm_conf_text(root: Path, node: str, cpus: int, memory_mb: int, ports: list[int],
                    munge_socket: Path, max_array_size: int = 1001) -> str:
    """The slurm.conf of a one-node cluster with all files under ``root``."""
    ctld_port, slurmd_port = ports
    return f"""\
# One-node test cluster written by tests/integration/slurm_cluster.py
ClusterName=hotlasetest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MaxArraySize={max_array_size}
KillWait=5
MinJobAge=600
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


class SlurmCluster:
    """munged + slurmctld + slurmd for one node, all under a temporary directory.

    Args:
        cpus: CPUs the node advertises (the config overrides the hardware count).
        root: directory for config, state, spool, pids and logs (temporary if None).
        max_array_size: the cluster's MaxArraySize (array indices 0..max_array_size-1).
    """

    def __init__(self, cpus: int = 2, root: str | Path | None = None,
                 max_array_size: int = 1001):
        self.cpus = cpus
        self.max_array_size = max_array_size
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="hotlase-slurm-")) if root is None else Path(root)
        self.node = socket.gethostname().split(".")[0]
        self.procs: dict[str, subprocess.Popen] = {}
        from hotlase.jobs.local import clean_mpi_env
        self.env = clean_mpi_env()  # no MPI-singleton variables from a pytest that imported meep
        self.startup_s: float = float("nan")

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> SlurmCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout_s: float = 60.0) -> None:
        """Install if needed, write the config, start the daemons, wait until the node is idle.

        Raises:
            SlurmUnavailable: with the reason (and the daemon's last log lines).
        """
        t0 = time.monotonic()
        ensure_installed()
        if os.geteuid() != 0:
            raise SlurmUnavailable("the test cluster runs its daemons as root (SlurmUser=root)")
        for sub in ("state", "spool", "log", "munge"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # munged checks that no one else can write its dirs
        self._start_munge()
        conf = self.root / "slurm.conf"
        conf.write_text(slurm_conf_text(self.root, self.node, self.cpus, _real_memory_mb(),
                                        _free_ports(2), self.munge_socket,
                                        self.max_array_size))
        self.env["SLURM_CONF"] = str(conf)
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(conf)])
        self._wait(lambda: self._ok(["scontrol", "ping"], "UP"), 30, "slurmctld answering ping")
        self._spawn("slurmd", [_which("slurmd"), "-D", "-f", str(conf), "-N", self.node])
        self._wait(self._node_idle, timeout_s, f"node {self.node} idle in sinfo")
        self.startup_s = time.monotonic() - t0

    def _start_munge(self) -> None:
        d = self.root / "munge"
        os.chmod(d, 0o700)
        key = d / "munge.key"
        if _which("mungekey"):
            subprocess.run([_which("mungekey"), "--create", f"--keyfile={key}", "--force"],
                           check=True, capture_output=True)
        else:
            key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        self.munge_socket = d / "munge.socket"
        self._spawn("munged", [
            _which("munged"), "--foreground", "--force", f"--key-file={key}",
            f"--socket={self.munge_socket}", f"--pid-file={d / 'munged.pid'}",
            f"--log-file={self.root / 'log' / 'munged.log'}", f"--seed-file={d / 'munge.seed'}",
        ])
        self._wait(self.munge_socket.exists, 15, "munged socket")

    def stop(self) -> None:
        """Cancel this cluster's jobs, stop the daemons this object started (by pid), newest
        first, and remove its directory."""
        self._cancel_all_jobs()
        for name in reversed(list(self.procs)):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        if self._own_root and os.environ.get("HOTLASE_KEEP_SLURM_DIR") is None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _cancel_all_jobs(self, timeout_s: float = 30.0) -> None:
        """scancel every job of this cluster (SLURM_CONF points at it) and wait for the queue
        to empty, so no job step outlives the daemons."""
        ctld = self.procs.get("slurmctld")
        if ctld is None or ctld.poll() is not None or "SLURM_CONF" not in self.env:
            return
        self.run(["scancel", "--full", "--partition=debug"], check=False, timeout=20)
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            q = self.run(["squeue", "-h", "-o", "%i"], check=False, timeout=20)
            if q.returncode != 0 or not q.stdout.strip():
                return
            time.sleep(0.5)

    # -- helpers -----------------------------------------------------------------------------
    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.stdout", "ab")
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=self.env)
        log.close()

    def run(self, cmd: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
        """Run a Slurm client (or anything) against this cluster."""
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=check,
                              **kw)

    def _ok(self, cmd: list[str], needle: str) -> bool:
        r = self.run(cmd, check=False, timeout=20)
        return r.returncode == 0 and needle in r.stdout

    def _node_idle(self) -> bool:
        r = self.run(["sinfo", "-h", "-N", "-o", "%T"], check=False, timeout=20)
        state = r.stdout.strip()
        if state.startswith(("drain", "down")) and "slurmd" in self.procs:
            # ReturnToService=2 returns a node once it registers; nudge it after a restart
            self.run(["scontrol", "update", f"NodeName={self.node}", "State=RESUME"],
                     check=False)
        return state == "idle"

    def _wait(self, ready, timeout_s: float, what: str) -> None:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise SlurmUnavailable(f"{dead[0]} exited: {self.log_tail(dead[0])}")
            if ready():
                return
            time.sleep(0.5)
        raise SlurmUnavailable(f"timed out after {timeout_s:.0f} s waiting for {what}: "
                               + " | ".join(self.log_tail(n) for n in self.procs))

    def log_tail(self, name: str, lines: int = 3) -> str:
        """Last lines of a daemon's log, for error messages."""
        text = ""
        for f in (self.root / "log" / f"{name}.log", self.root / "log" / f"{name}.stdout"):
            if f.exists():
                text += f.read_text(errors="replace")
        return f"{name}: " + " / ".join(text.strip().splitlines()[-lines:])


def _demo() -> int:
    """Start a cluster, run a 3-task array job, print timings (manual check of the harness)."""
    with SlurmCluster() as c:
        print(f"cluster up in {c.startup_s:.1f} s at {c.root}")
        out = c.root / "out"
        out.mkdir()
        script = out / "array.sh"
        script.write_text("#!/bin/bash\n#SBATCH --array=0-2%2\n#SBATCH --ntasks=1\n"
                          f"#SBATCH --output={out}/%A_%a.out\n"
                          "echo task $SLURM_ARRAY_TASK_ID on $(hostname)\n")
        t0 = time.monotonic()
        job = c.run(["sbatch", "--parsable", str(script)]).stdout.strip()
        while c.run(["squeue", "-h", "-j", job]).stdout.strip():
            time.sleep(1)
        print(f"array {job} done in {time.monotonic() - t0:.1f} s:",
              sorted(p.read_text().strip() for p in out.glob("*.out")))
    return 0


if __name__ == "__main__":
    sys.exit(_demo())
