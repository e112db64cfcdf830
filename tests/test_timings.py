"""lipflow timings sums Snakemake's job benchmarks per rule."""

from __future__ import annotations

from lipflow import cli, timings

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write(path, wall, cpu, rss):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t1\t{cpu}\n")


def test_jobs_are_summed_per_rule_longest_first(tmp_path):
    write(tmp_path / "fps" / "0of2.benchmark.tsv", 3.5, 3.0, 120)
    write(tmp_path / "fps" / "1of2.benchmark.tsv", 2.5, 2.0, 150)
    write(tmp_path / "train" / "train.benchmark.tsv", 100.0, 190.0, 900)
    write(tmp_path / "split" / "split.benchmark.tsv", 0.2, "NA", "NA")
    (tmp_path / "fps" / "0of2.log").write_text("not a benchmark")
    rows = timings.summarise(tmp_path)
    assert [(r.rule, r.jobs, r.wall_s, r.cpu_s, r.max_rss_mb) for r in rows] == [
        ("train", 1, 100.0, 190.0, 900.0), ("fps", 2, 6.0, 5.0, 150.0), ("split", 1, 0.2, 0.0, 0.0)]
    assert timings.table(rows).splitlines()[-1].split() == ["total", "4", "106.2", "195.0"]


def test_the_command_says_when_there_is_nothing_to_sum(tmp_path, capsys):
    assert cli.main(["timings", "--logs", str(tmp_path)]) == 1
    assert "no benchmark files" in capsys.readouterr().err
    write(tmp_path / "mouth" / "0of1.benchmark.tsv", 1.0, 0.5, 80)
    assert cli.main(["timings", "--logs", str(tmp_path)]) == 0
    assert "mouth" in capsys.readouterr().out
