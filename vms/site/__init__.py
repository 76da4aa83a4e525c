"""One site on many processes: membership, camera leases and request routing through Redis."""
