"""Which lock a run takes for its source: a CSV folder by a file inside it, a CRM by a digest of
the org or portal it talks to, whatever configuration file or run log names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_accounts.config import parse_config
from crm_accounts.errors import UsageError
from crm_accounts.runlock import LOCK_DIR_ENV, LockHeldError
from crm_accounts.services.locks import source_lock

SF = '[source]\nkind = "salesforce"\n'
HS = '[source]\nkind = "hubspot"\n'


@pytest.fixture(autouse=True)
def lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "locks"
    monkeypatch.setenv(LOCK_DIR_ENV, str(folder))
    return folder


def test_a_csv_folder_is_locked_by_a_file_inside_it_whichever_config_names_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    by_config = parse_config(f'[source]\npath = "{folder}"\n')
    with source_lock(by_config, None) as held:
        assert held.path == folder / ".crm-accounts.lock"
        with pytest.raises(LockHeldError, match=str(folder)), source_lock(by_config, folder):
            pass


def test_a_missing_csv_folder_is_not_created_by_the_lock(tmp_path: Path) -> None:
    with (
        pytest.raises(UsageError, match="No such file"),
        source_lock(parse_config(""), tmp_path / "absent"),
    ):
        pass
    assert not (tmp_path / "absent").exists()


def test_one_salesforce_user_on_one_login_host_is_one_lock(lock_dir: Path) -> None:
    env = {"SF_USERNAME": "Ops@Example.com"}
    first = source_lock(parse_config(SF), None, env)
    second = source_lock(parse_config(SF + "[sync]\nrun_log = 'other.sqlite'\n"), None,
                         {"SF_USERNAME": "ops@example.com "})  # fmt: skip
    other_user = source_lock(parse_config(SF), None, {"SF_USERNAME": "sales@example.com"})
    assert first.path == second.path
    assert first.path != other_user.path
    assert first.path.parent == lock_dir
    with first, pytest.raises(LockHeldError), second:
        pass


def test_a_hubspot_portal_lock_is_named_after_a_digest_never_the_token(lock_dir: Path) -> None:
    token = "pat-na1-11111111-2222-3333-4444-555555555555"
    lock = source_lock(parse_config(HS), None, {"HUBSPOT_ACCESS_TOKEN": token})
    other = source_lock(parse_config(HS), None, {"HUBSPOT_ACCESS_TOKEN": token + "x"})
    assert lock.path != other.path
    assert token not in str(lock.path)
    with lock:
        assert token not in lock.path.read_text()
