"""Development tools: synthetic data, the benchmark and the load and fault tests.

Not part of the register itself: installed as an app only outside production
(sharedservices/settings.py), and not shipped in the wheel (pyproject.toml). The
Makefile's bench, loadtest and faulttest targets run these commands from the
working copy.
"""
