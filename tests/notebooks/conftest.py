"""Two runs of the notebook project (before, then worse on tier-b), made once through pytest for every test here."""

from __future__ import annotations

import pytest
from nb_runs import Runs, make_runs


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return make_runs(tmp_path_factory.mktemp("notebook-project"))
