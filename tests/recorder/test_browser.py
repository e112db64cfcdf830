"""End to end: real headless Chromium (fake camera and microphone) records through the page,
the takes land in the dataset layout, decode, and go through the fps stage."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from lipflow import layout, media
from lipflow import project as project_mod
from lipflow.datasets import read_sentences
from lipflow.recorder.server import create_app
from lipflow.stages import fps, run_stage

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic", "--window-size=1000,1000",
]
INITIALS = "Lù"
STEP_TIMEOUT_S = 30

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason=f"{CHROMIUM} is absent: apt-get install chromium chromium-driver to record through a real browser",
    ),
]


def start_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def open_browser(profile: Path):
    assert CHROMEDRIVER.is_file(), f"{CHROMEDRIVER} is missing: apt-get install chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def wait_for_state(driver, state: str) -> None:
    def reached(d):
        message = d.find_element("id", "message")
        if message.is_displayed():
            raise AssertionError(f"the page reports: {message.text}")
        return d.find_element("tag name", "body").get_attribute("data-state") == state

    WebDriverWait(driver, STEP_TIMEOUT_S).until(reached)


def start_session(driver, url: str, initials: str) -> None:
    driver.get(url)
    driver.find_element("id", "initials").send_keys(initials)
    driver.find_element("id", "device").send_keys("Chromium fake camera")
    driver.find_element("id", "consent").click()
    driver.find_element("id", "start").click()
    wait_for_state(driver, "ready")


def record_and_save(driver) -> str:
    """Record the selected sentence, save it, and return the page's 'Saved ...' line."""
    driver.find_element("id", "record").click()
    wait_for_state(driver, "review")
    driver.find_element("id", "save").click()
    wait_for_state(driver, "ready")
    return driver.find_element("id", "status").text


def write_project(folder: Path, corpus: Path, repo_params: dict) -> Path:
    params = copy.deepcopy(repo_params)
    params["dataset"].update(kind="italian", root=str(corpus))
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True))
    return path


@pytest.fixture
def recorder(tmp_path, repo_params):
    corpus = tmp_path / "DATASET"
    corpus.mkdir()
    settings = {**repo_params["record"], "countdown_seconds": 1}
    app = create_app(corpus, read_sentences("builtin:italian"), repo_params["dataset"]["video_extensions"], settings)
    server = start_server(app)
    driver = open_browser(tmp_path / "chromium-profile")
    try:
        yield driver, f"http://127.0.0.1:{server.server_port}/", corpus, settings
    finally:
        driver.quit()
        server.shutdown()


def test_two_takes_recorded_in_chromium_flow_into_the_fps_stage(recorder, tmp_path, monkeypatch, repo_params):
    driver, url, corpus, settings = recorder
    monkeypatch.chdir(tmp_path)
    project = project_mod.load(write_project(tmp_path, corpus, repo_params))
    start_session(driver, url, INITIALS)

    assert record_and_save(driver) == f"Saved s1/0-{INITIALS} (0-{INITIALS}.webm)."
    first = run_stage(project, fps.STAGE)
    first_output = layout.artefact("fps", f"s1/0-{INITIALS}").stat().st_mtime_ns
    assert record_and_save(driver).startswith(f"Saved s1/1-{INITIALS}")
    second = run_stage(project, fps.STAGE)

    takes = sorted(p.name for p in (corpus / "s1").iterdir())
    assert takes == [f"0-{INITIALS}.json", f"0-{INITIALS}.webm", f"1-{INITIALS}.json", f"1-{INITIALS}.webm"]
    for take in (corpus / "s1").glob("*.webm"):
        info = media.probe(take)
        assert info["video_streams"] == 1 and info["audio_streams"] == 1
        assert (info["width"], info["height"]) == (settings["width"], settings["height"])
        sidecar = json.loads(take.with_suffix(".json").read_text())
        assert sidecar["requested_frame_rate"] == settings["frame_rate"]
        assert sidecar["reported_frame_rate"] == pytest.approx(info["measured_fps"], rel=0.2)
        assert "Chrome" in sidecar["user_agent"] and sidecar["metadata"]["consent"] is True
    assert driver.find_element("id", "done-count").text == "2"

    assert [r.status for r in first] == ["ok"]
    assert [r.status for r in second] == ["ok", "ok"]
    assert second[0].fingerprint == first[0].fingerprint
    assert layout.artefact("fps", f"s1/0-{INITIALS}").stat().st_mtime_ns == first_output
    for record in second:
        output = media.probe(Path(record.details["output"]))
        assert output["avg_frame_rate"] == project.params["fps"]["fps"]
        assert output["duration"] == pytest.approx(settings["take_seconds"], abs=0.5)
