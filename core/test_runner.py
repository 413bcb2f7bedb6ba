"""`python manage.py test` runs the pytest suite (the runner pytest-django documents)."""

from __future__ import annotations

import sys
from typing import Any


class PytestTestRunner:
    def __init__(self, verbosity: int = 1, failfast: bool = False, keepdb: bool = False, **kwargs: Any):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser: Any) -> None:
        parser.add_argument("--keepdb", action="store_true", help="Preserve the test DB between runs.")

    def run_tests(self, test_labels: list[str], **kwargs: Any) -> int:
        import pytest

        argv: list[str] = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("-" + "v" * (self.verbosity - 1))
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        argv.extend(test_labels)
        return pytest.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(PytestTestRunner().run_tests(sys.argv[1:]))
