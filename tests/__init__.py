"""Imported before conftest.py and every test module (pytest imports a test package first)."""

import sys
from pathlib import Path

# Test modules (pytest rewrites their asserts) and the modules imported from here on are kept
# compiled under var/pycache, even where PYTHONDONTWRITEBYTECODE keeps __pycache__ folders out
# of the tree: compiling them anew cost every run, and every xdist worker, about 5 s.
sys.pycache_prefix = str(Path(__file__).resolve().parent.parent / "var" / "pycache")
sys.dont_write_bytecode = False
