"""Conformance suite and spec differ: check any deployment against the contract, and classify contract changes."""
