"""The distribution ships every package of the source tree (an explicit list is easy to forget)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> tuple[set[str], dict[str, str]]:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setup["packages"]), setup["package-dir"]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    packages, folders = _declared()
    found = set()
    for name, folder in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *relative)))
    assert found - packages == set(), "add these to [tool.setuptools] packages"
    assert packages - found == set(), "these are listed but do not exist"


def test_no_top_level_connectors_module_is_installed() -> None:
    packages, folders = _declared()
    assert all(p.startswith("crm_accounts") for p in packages)
    assert folders["crm_accounts.connectors"] == "connectors"


def test_every_template_and_catalog_is_shipped_as_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    shipped: set[Path] = set()
    for package, patterns in data.items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            shipped |= set(folder.glob(pattern))
    needed = {
        *(ROOT / "crm_accounts/reports/templates").iterdir(),
        *(ROOT / "crm_accounts/locale").glob("*/LC_MESSAGES/*.po"),
    }

    assert needed
    assert needed - shipped == set(), "add these to [tool.setuptools.package-data]"
