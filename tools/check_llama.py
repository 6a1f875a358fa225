"""Check that the installed llama.cpp evaluates a batch of tokens on this CPU (run by `make install`).

A build compiled for the wrong CPU features does not fail to import: it segfaults on the first prompt
(AMX kernels on a Xeon whose AMX does not work in this VM did exactly that). The check runs in a
child process, so a crash becomes a clear message and a failing install instead of a dead test run.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import llama_cpp
from localgenie.llm.models import resolve_model_path
llm = llama_cpp.Llama(model_path=str(resolve_model_path("tiny")), n_ctx=256, n_batch=64, verbose=False)
tokens = llm.tokenize(b"A batch of several tokens, evaluated in one pass.", add_bos=True)
llm.eval(tokens)
print(len(tokens))
"""


def main() -> int:
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    if probe.returncode == 0:
        print(f"llama.cpp evaluates batches on this CPU ({probe.stdout.strip()} tokens in one pass)")
        return 0
    print(
        f"llama.cpp crashed evaluating a batch of tokens (exit {probe.returncode}).\n"
        "The installed llama-cpp-python was compiled for CPU features this machine cannot run. Rebuild it:\n"
        "  .venv/bin/pip cache remove llama_cpp_python\n"
        '  CMAKE_ARGS="$(bash tools/llama_cmake_args.sh)" .venv/bin/pip install --force-reinstall '
        "--no-deps --no-cache-dir llama-cpp-python==0.3.36\n"
        f"{probe.stderr[-2000:]}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
