"""Settings of the portal benchmark: production settings (``config.settings.base``) plus the bench's urlconf.

The urlconf adds one plain Django view (``/bench/ok/``) served by the same server in the same run,
as the baseline the portal pages are compared with. Nothing here is used outside ``bench/portal.py``.
"""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.portal_urls"
# Bench output stays readable: the server's own logs only for warnings.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
