"""The benchmark: sync throughput, memory and growth, measured against the local KoboToolbox."""
