"""``python -m services api|worker``, the images' entrypoint: ``python -m services.$SERVICE_NAME``.

The one Dockerfile builds each service's image with ``--build-arg SERVICE=<name>`` and sets SERVICE_NAME to
it. An exec-form ENTRYPOINT cannot expand a variable, so this module runs ``services.<SERVICE_NAME>`` as
``__main__`` in this process (no shell in between, signals reach it directly), with the same arguments.
"""

import os
import runpy
import sys
from pathlib import Path

name = os.environ.get("SERVICE_NAME", "")
if not name.isidentifier() or not (Path(__file__).resolve().parent / name / "__main__.py").is_file():
    sys.exit(f"python -m services: SERVICE_NAME must name a service of this image, got {name!r}")
runpy.run_module(f"services.{name}", run_name="__main__", alter_sys=True)
