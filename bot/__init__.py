"""Blindspot's side that talks to GitHub, a database or a terminal; the analysis lives in `checks/`."""
