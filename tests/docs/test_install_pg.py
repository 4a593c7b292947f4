"""docs/install.md, "PostgreSQL backend": its command blocks parse, and the hub.toml lines it gives, put in a
real hub directory the way it says (the `database = "hub.db"` line replaced by the table at the end), load
as settings that choose PostgreSQL, and a hub opened from that directory works on the tests' own cluster.
(The apt-get/createuser/systemd lines need a Debian host's PostgreSQL service; they are checked with
`bash -n`, not run.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from hub.db import Postgres, open_hub_db
from hub.home import HubHome, init_hub
from hub.settings import DatabaseSettings
from protocol.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "install.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## PostgreSQL backend"):text.index("## Provisioning a kit")]


def test_the_pg_blocks_parse() -> None:
    blocks = re.findall(r"<!-- install-test: pg -->\n```sh\n(.*?)```", _section(), re.S)
    assert len(blocks) == 2
    for body in blocks:
        subprocess.run(["bash", "-n"], input=body, text=True, check=True)


def _follow_the_doc(home: HubHome, dsn: str) -> None:
    [table] = re.findall(r"```toml\n(.*?)```", _section(), re.S)
    text = home.settings_file.read_text(encoding="utf-8")
    assert 'database = "hub.db"\n' in text  # the line the doc says to replace
    table = table.replace("host=/var/run/postgresql dbname=lockwarden user=lockwarden", dsn)
    home.settings_file.write_text(text.replace('database = "hub.db"\n', "") + "\n" + table, encoding="utf-8")


def test_the_hub_toml_lines_choose_postgresql(tmp_path: Path, pg_database: Postgres) -> None:
    home = init_hub(tmp_path / "hub")
    _follow_the_doc(home, pg_database.dsn)
    settings = home.settings().database
    assert isinstance(settings, DatabaseSettings) and settings.backend == "postgresql"
    assert home.database() == pg_database
    conn = open_hub_db(home.database())
    try:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 20
    finally:
        conn.close()


def test_a_missing_dsn_is_one_clear_line(tmp_path: Path) -> None:
    home = init_hub(tmp_path / "hub")
    text = home.settings_file.read_text(encoding="utf-8").replace('database = "hub.db"\n', "")
    home.settings_file.write_text(text + '\n[database]\nbackend = "postgresql"\n', encoding="utf-8")
    try:
        home.settings()
    except SettingsError as exc:
        assert "database.dsn is required" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a postgresql backend without a dsn was accepted")
