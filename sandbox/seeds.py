"""The sandbox's seeded people, apps and keys: deterministic, documented in sandbox/README.md.

Tests may import these constants (they are data, not code paths of the project).
"""
