"""Pure domain code: numpy and scipy in, frozen dataclasses out. Never imports storage or interfaces."""

from labelpact.core.annotations import Annotations, Gold, TaskPayloads

__all__ = ["Annotations", "Gold", "TaskPayloads"]
