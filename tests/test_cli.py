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
    assert ("fps: 1 clips, 0 ok, 1 failed" in error and "every clip failed" in error
            and "reports/manifests/fps.tsv" in error)
    assert (project.root / "reports/manifests/fps.tsv").is_file(), "the manifest is written all the same"
    assert cli.main(["fps"]) == 1, "a whole-stage run (a DVC stage) stops the same way"
    assert "every clip failed" in capsys.readouterr().err

    project.add_clip("s1/18-OK", speech_clip(tmp_path / "good.mp4", "Prego.", seconds=2.0))
    assert cli.main(["fps", "--clip", "s1/18-OK"]) == 0
    assert cli.main(["manifest", "fps"]) == 0
    assert "fps: 2 clips, 1 ok, 1 failed, 0 skipped" in capsys.readouterr().out


def test_quiet_keeps_the_summary_and_warnings_and_verbose_says_what_each_clip_did(project, tmp_path):
    project.add_clip("s1/18-OK", speech_clip(tmp_path / "good.mp4", "Prego.", seconds=2.0))
    project.add_clip("s1/13-OK", speech_clip(tmp_path / "other.mp4", "Salve.", seconds=2.0))
    project.add_clip("s1/18-BROKEN", tmp_path / "good.mp4").write_bytes(b"\x00garbage" * 100)

    first = project.run("lipflow", "fps")
    assert "fps: 3 clips, 2 ok, 1 failed" in first.stdout and "clip/s" in first.stderr, "a progress bar by default"
    quiet = project.run("lipflow", "-q", "fps", "--force")
    assert quiet.stdout == first.stdout and quiet.stderr == "", "quiet: the summary line only"
    warned = project.run("lipflow", "-q", "fps", "--clip", "s1/18-BROKEN", "--force")
    assert warned.stderr.startswith("s1/18-BROKEN: fps failed: cannot decode"), "warnings stay"
    verbose = project.run("lipflow", "-v", "fps")
    assert "DEBUG lipflow.records: fps s1/13-OK: ok before, record current: reused" in verbose.stderr
