"""Attack F12 of issue 25, replayed: `report -o FILE` never overwrites without --force, and the format follows
the file's extension (a conflicting --format, or another extension, is refused before anything is drawn)."""

from indicators.cli.main import main

ARGS = ["report", "--province", "Hà Tĩnh", "--period", "2020", "--lang", "en", "--no-charts"]


def test_an_existing_file_is_not_overwritten_without_force(built_db, tmp_path, capsys):
    out = tmp_path / "bc.docx"
    out.write_bytes(b"the drafter's own edits")
    assert main([*ARGS, "-o", str(out), "--db", str(built_db)]) == 2
    assert "exists: not overwritten (add --force" in capsys.readouterr().err
    assert out.read_bytes() == b"the drafter's own edits"
    assert main([*ARGS, "-o", str(out), "--force", "--db", str(built_db)]) == 0
    assert out.read_bytes().startswith(b"PK")                    # a Word file (a zip) replaced it whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bc.docx"]


def test_the_format_follows_the_extension_and_a_conflict_is_refused(built_db, tmp_path, capsys):
    wrong = tmp_path / "x.docx"
    assert main([*ARGS, "--format", "pdf", "-o", str(wrong), "--db", str(built_db)]) == 2
    assert "--format pdf contradicts the .docx of x.docx" in capsys.readouterr().err
    assert not wrong.exists()
    brief = tmp_path / "brief.PDF"
    assert main([*ARGS, "-o", str(brief), "--db", str(built_db)]) == 0
    assert brief.read_bytes().startswith(b"%PDF")
    other = tmp_path / "report.txt"
    assert main([*ARGS, "-o", str(other), "--db", str(built_db)]) == 2
    assert "must end in .docx (the report) or .pdf (the brief)" in capsys.readouterr().err
    assert not other.exists()
