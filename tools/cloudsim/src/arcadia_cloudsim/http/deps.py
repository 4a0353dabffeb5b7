"""The simulator as an explicitly named Litestar dependency (`sim`) of every route handler."""

from typing import TypeAlias

from litestar.di import NamedDependency

from arcadia_cloudsim.simulator import Simulator

Sim: TypeAlias = NamedDependency[Simulator]
