"""The fakes are tested inside billetterie's suite (pyproject's testpaths), with its fixtures."""

from tests.conftest import _process_caches_clear, _settings_for_tests, shop  # noqa: F401
