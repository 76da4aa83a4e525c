"""The governor's emergency override: declarations, their state, and the per-agency receipt."""
