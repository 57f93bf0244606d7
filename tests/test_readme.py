"""The README documents every setting."""

from __future__ import annotations

from qa.settings import REPO_ROOT, Settings


def test_every_setting_has_its_environment_variable_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`PLANQA_{name.upper()}`" not in readme]
    assert not missing, f"add these settings to the README's configuration table: {missing}"
