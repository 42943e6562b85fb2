"""How production serves Fresh Tracks with gunicorn: `gunicorn -c deploy/gunicorn.conf.py`.

Threaded workers, and one key derivation at a time per process that never waits: a
sign-in derives Argon2id at 64 MiB for about 0.2 s of a core, and with sync workers a
burst of 50 sign-ins held every worker for half a minute, so other people's saves
waited up to 56 s. With threads and no wait for the derivation slot, their saves kept
their pace (p99 646 ms against 516 ms without the burst) and the sign-ins beyond one
per process were told at once "many people are signing in, try again in a few
seconds" (measured in docs/performance.md, "A burst of sign-ins").

The reliability and two-server tests start gunicorn with this same file. Settings in
the environment win over the defaults here; `--workers` and `--bind` are given on the
command line (or `WEB_CONCURRENCY` for the workers).
"""

import os

os.environ.setdefault("KDF_CONCURRENCY", "1")
os.environ.setdefault("KDF_WAIT_SECONDS", "0")

worker_class = "gthread"
threads = 8
# Longer than a sign-in under load, shorter than a stuck request should hold a thread.
timeout = 60
graceful_timeout = 20
