"""worldmodels.logs: the -q / -v flags, the short stderr lines, TensorFlow's start-up lines hidden."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from worldmodels.logs import split_logging_arguments

REPO = Path(__file__).resolve().parents[1]


def test_split_logging_arguments():
    argv = ["carracing", "norender", "-q", "--episodes", "2", "--", "-v"]
    assert split_logging_arguments(argv) == (logging.WARNING, ["carracing", "norender", "--episodes", "2", "--", "-v"])
    assert split_logging_arguments(["--verbose"]) == (logging.DEBUG, [])
    assert split_logging_arguments(["-n", "4", "-1"]) == (logging.INFO, ["-n", "4", "-1"])


PROBE = """
import logging, os, sys
from worldmodels.logs import setup_logging, tensorflow_startup_hidden
setup_logging(int(sys.argv[1]))
log = logging.getLogger("worldmodels.probe")
log.info("an info line")
log.warning("a warning")
log.debug("a debug line")
logging.getLogger("somelibrary").info("a library's info line")
with tensorflow_startup_hidden():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n"
                b"I0000 00:00:1796505630.881645   32572 port.cc:153] oneDNN custom operations are on.\\n"
                b"E0000 00:00:1796505630.881645   32572 cuda.cc:1] a real error\\n")
print("a result")
print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
"""


def _probe(level: int) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", PROBE, str(level)], env=env, capture_output=True, text=True,
                          timeout=60)


def test_default_info_lines_plain_warnings_prefixed_start_up_noise_dropped():
    out = _probe(logging.INFO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["a result", "3"]  # TensorFlow quieted before it loads
    assert out.stderr.splitlines() == ["an info line", "warning: a warning",
                                       "E0000 00:00:1796505630.881645   32572 cuda.cc:1] a real error"]


def test_quiet_keeps_warnings_only():
    out = _probe(logging.WARNING)
    assert out.stderr.splitlines()[0] == "warning: a warning" and "info" not in out.stderr, out.stderr


def test_verbose_shows_debug_lines_and_tensorflow_untouched():
    out = _probe(logging.DEBUG)
    assert "debug: a debug line" in out.stderr and "a library's info line" in out.stderr, out.stderr
    assert "oneDNN custom operations" in out.stderr and out.stdout.splitlines()[-1] == "None"
