"""RTSP camera simulator: many cheap H.264 cameras with faults on request (`vms camsim`)."""

from camsim.config import Credentials, SimConfig
from camsim.simulator import CameraSimulator
from camsim.thread import SimulatorThread

__all__ = ["CameraSimulator", "Credentials", "SimConfig", "SimulatorThread"]
