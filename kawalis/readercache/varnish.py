"""A real Varnish in front of a given server, with the site's VCL: for the tests and the benchmark.

Debian's ``varnish`` and ``varnish-modules`` (vmod xkey) packages; ``unavailable()`` says why
one cannot start here, so that the callers can skip with that reason.
"""

import glob
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VCL = Path(__file__).with_name("varnish.vcl")
VMODS = ("/usr/lib/*/varnish/vmods/libvmod_xkey.so", "/usr/lib/varnish/vmods/libvmod_xkey.so")


def unavailable():
    """Why Varnish cannot run here, or None."""
    if shutil.which("varnishd") is None and not Path("/usr/sbin/varnishd").exists():
        return "no varnishd: apt-get install varnish varnish-modules (scripts/test does, as root)"
    if not any(glob.glob(pattern) for pattern in VMODS):
        return "no vmod xkey: apt-get install varnish-modules"
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Varnish:
    """``varnishd`` in the foreground on a free port of 127.0.0.1, in front of ``backend_port``."""

    def __init__(self, backend_port, memory="256m", threads=None):
        self.folder = Path(tempfile.mkdtemp(prefix="kawalis-varnish-"))
        self.folder.chmod(0o755)  # varnishd reads the VCL as its own unprivileged user
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        vcl = VCL.read_text()
        vcl, replaced = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";', vcl)
        assert replaced == 1, "varnish.vcl must name one backend port"
        (self.folder / "site.vcl").write_text(vcl)
        varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
        command = [
            varnishd, "-F", "-a", f"127.0.0.1:{self.port}", "-T", "none",
            "-f", str(self.folder / "site.vcl"), "-n", str(self.folder / "work"),
            "-s", f"malloc,{memory}",
        ]  # fmt: skip
        if threads:
            command += ["-p", f"thread_pool_min={threads}"]
        self.log = open(self.folder / "varnishd.log", "w+")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        output = self.output()
        self.stop()
        raise RuntimeError(f"varnishd did not start: {output[-2000:]}")

    def purge_url(self):
        return f"{self.url}/"

    def output(self):
        self.log.flush()
        return (self.folder / "varnishd.log").read_text()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
