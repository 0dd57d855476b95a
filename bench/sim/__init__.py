"""bench/simulate.py in parts: the stack, its faults, the load, the invariants."""
