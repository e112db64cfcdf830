"""The command line's exit rule: a job exits 0 once each clip has a record; a stage that failed everywhere does not."""

from __future__ import annotations

from lipflow import cli
from tests.conftest import speech_clip


def test_manifest_exits_non_zero_only_when_every_clip_of_the_stage_failed(project, capsys, tmp_path):
    garbage = tmp_path / "x.mp4"
    garbage.write_bytes(b"\x00garbage" * 100)
    project.add_clip("s1/18-BROKEN", garbage)
    assert cli.main(["fps", "--clip", "s1/18-BROKEN"]) == 0, "one bad clip never stops a job"
    assert cli.main(["manifest", "fps"]) == 1
    error = capsys.readouterr().err
    assert "fps: 1 clips, 0 ok, 1 failed" in error and "every clip failed" in error and "reports/manifests/fps.tsv" in error
    assert (project.root / "reports/manifests/fps.tsv").is_file(), "the manifest is written all the same"
    assert cli.main(["fps"]) == 1, "a whole-stage run (a DVC stage) stops the same way"
    assert "every clip failed" in capsys.readouterr().err

    project.add_clip("s1/18-OK", speech_clip(tmp_path / "good.mp4", "Prego.", seconds=2.0))
    assert cli.main(["fps", "--clip", "s1/18-OK"]) == 0
    assert cli.main(["manifest", "fps"]) == 0
    assert "fps: 2 clips, 1 ok, 1 failed, 0 skipped" in capsys.readouterr().out
