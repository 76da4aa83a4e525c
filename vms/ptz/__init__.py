"""Pan-tilt-zoom control of cameras: the driver interface, its ONVIF implementation, and the
control sessions that arbitrate who may steer a camera."""
