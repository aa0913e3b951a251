"""A gate in front of every upload job, for a worker process started by a test (celery --include).

With it loaded, a worker that receives `process_upload_job` holds it, unacknowledged, until the
test opens the gate: so the test knows the worker holds the job's message at the moment it stops
the broker, instead of hoping a job is slow enough. Nothing else changes: once the gate is open
the real job runs. The gate is a file: JOB_GATE names it; `<JOB_GATE>.held` tells the test a
job is waiting.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import task_prerun

GATE = Path(os.environ["JOB_GATE"])
HELD = GATE.with_name(f"{GATE.name}.held")
JOB_TASK = "bulkupload.tasks.process_upload_job"


@task_prerun.connect
def hold_jobs_until_the_gate_opens(sender=None, **_) -> None:
    if sender is None or sender.name != JOB_TASK:
        return
    HELD.touch()
    while not GATE.exists():
        time.sleep(0.05)
