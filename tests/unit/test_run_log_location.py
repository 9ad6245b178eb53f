"""One rule for where the run log is, shared by sync, plan, report and runs (CONTRACTS.md)."""

from __future__ import annotations

from pathlib import Path

from crm_accounts.config import Config, load_config
from crm_accounts.services.runlogs import locate_run_log


def _config(folder: Path, text: str) -> Config:
    path = folder / "crm-accounts.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_an_explicit_run_log_wins_over_config_and_source(tmp_path: Path) -> None:
    config = _config(tmp_path, '[sync]\nrun_log = "state/runs.sqlite"\n')

    assert locate_run_log(config, tmp_path / "data", tmp_path / "x.sqlite") == tmp_path / "x.sqlite"


def test_the_configured_run_log_is_relative_to_the_config_file_even_with_a_source(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, '[sync]\nrun_log = "state/runs.sqlite"\n')

    assert locate_run_log(config, tmp_path / "data") == tmp_path / "state" / "runs.sqlite"


def test_a_config_without_run_log_keeps_it_beside_the_config_file(tmp_path: Path) -> None:
    config = _config(tmp_path, "[period]\nmonths = 12\n")

    assert locate_run_log(config, tmp_path / "data") == tmp_path / "crm-accounts-runs.sqlite"


def test_without_a_config_the_run_log_is_in_the_source_folder(tmp_path: Path) -> None:
    assert (
        locate_run_log(Config(), tmp_path / "data")
        == tmp_path / "data" / "crm-accounts-runs.sqlite"
    )


def test_with_nothing_given_the_run_log_is_in_the_current_folder() -> None:
    assert locate_run_log(Config()) == Path("crm-accounts-runs.sqlite")
