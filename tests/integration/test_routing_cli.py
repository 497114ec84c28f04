"""`hub routing` as an operator uses it."""

from pathlib import Path

from click.testing import CliRunner

from hub.cli import cli


def _hub(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "var")}
    )
    return result.exit_code, result.output


def test_import_sample_reimport_and_route(database_url: str, tmp_path: Path) -> None:
    status, out = _hub(database_url, tmp_path, "routing", "import", "--sample")
    assert status == 0 and "imported 23 entries as version" in out
    status, out = _hub(database_url, tmp_path, "routing", "import", "--sample")
    assert status == 0 and out.startswith("unchanged")
    status, out = _hub(database_url, tmp_path, "routing", "route", "1382 CD", "5", "--on", "2022-03-23")
    assert out.startswith("0457")
    status, out = _hub(database_url, tmp_path, "routing", "route", "1382 CD", "5", "--on", "2022-03-24")
    assert out.startswith("0363")
    status, out = _hub(database_url, tmp_path, "routing", "versions")
    assert status == 0 and "routing-sample.csv" in out


def test_bad_file_is_refused_naming_lines(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "postcode,from,to,gemeentecode,valid_from,valid_to\n1000,,,0363,2020-01-01,\nXYZ,,,0363,2020-01-01,\n"
    )
    status, out = _hub(database_url, tmp_path, "routing", "import", str(bad))
    assert status == 1 and "line 3" in out and "nothing imported" in out


def test_cbs_file_imports(database_url: str, tmp_path: Path) -> None:
    cbs = Path(__file__).resolve().parents[2] / "hub" / "data" / "routing-cbs-sample.csv"
    status, out = _hub(database_url, tmp_path, "routing", "import", str(cbs))
    assert status == 0 and "imported 5 entries" in out
