"""Quảng Ninh assistant: our Python package (NLU components, knowledge layer, channels, settings, staff CLI)."""
