"""Adoption checks (weeks 11-16): training, integration, support, involvement, incentives,
the soft launch and its measured adoption.

The checks live in small modules by subject; this one lists them in catalogue order
(ADO001-ADO007), and it is the only one `checks/__init__.py` needs to join.
"""

from __future__ import annotations

from .launch import soft_launch_rollout, workflow_integration
from .metrics import adoption_metrics
from .people import incentives, user_involvement
from .support import support_plan
from .training import user_training

CHECKS = (user_training, workflow_integration, support_plan, user_involvement, incentives,
          soft_launch_rollout, adoption_metrics)
