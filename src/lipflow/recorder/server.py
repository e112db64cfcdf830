"""The recorder's web app: one page, a progress endpoint and an upload endpoint.

It listens on loopback by default: the page handles faces and voices, and the upload
endpoint has no authentication.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from .takes import INITIALS_MAX_LENGTH, TakeRejected, TakeStore

LOG = logging.getLogger(__name__)

MIB = 1024 * 1024
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
JSON_FIELDS = ("requested", "reported_settings", "metadata")
TEXT_FIELDS = ("user_agent", "recording_started_at", "recording_stopped_at")


def _client_fields(form) -> dict:
    """What the browser reports about a take, for the sidecar; malformed JSON is refused by name."""
    client = {name: form.get(name, "") for name in TEXT_FIELDS}
    for name in JSON_FIELDS:
        try:
            client[name] = json.loads(form.get(name) or "{}")
        except json.JSONDecodeError:
            client[name] = None
        if not isinstance(client[name], dict):
            raise TakeRejected(f"field {name!r} must be a JSON object")
    client["requested_frame_rate"] = client["requested"].get("frame_rate")
    client["reported_frame_rate"] = client["reported_settings"].get("frameRate")
    client["request_user_agent"] = request.headers.get("User-Agent", "")
    return client


def create_app(root: Path, sentences: dict[str, str], extensions: list[str], settings: dict) -> Flask:
    """The app for the dataset at ``root``; ``settings`` is the params ``record`` section."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["max_upload_mb"] * MIB)
    store = TakeStore(root, sentences, extensions)

    @app.errorhandler(TakeRejected)
    def rejected(error: TakeRejected):
        return jsonify(error=str(error)), error.status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        return jsonify(error=f"the upload is larger than {settings['max_upload_mb']} MB (record.max_upload_mb)"), 413

    @app.get("/")
    def page():
        config = {
            "sentences": [{"id": sid, "text": text} for sid, text in sentences.items()],
            "take_seconds": settings["take_seconds"],
            "countdown_seconds": settings["countdown_seconds"],
            "width": settings["width"],
            "height": settings["height"],
            "frame_rate": settings["frame_rate"],
            "initials_max_length": INITIALS_MAX_LENGTH,
        }
        return render_template("recorder.html", config=config)

    @app.get("/api/progress")
    def progress():
        return jsonify(store.progress(request.args.get("initials", "")))

    @app.post("/api/takes")
    def upload():
        video = request.files.get("video")
        if video is None:
            raise TakeRejected("no video in the upload (form field 'video')")
        client = _client_fields(request.form)
        with tempfile.TemporaryDirectory(prefix="lipflow-take-") as folder:
            path = Path(folder) / "take"
            video.save(path)
            sidecar = store.store(path, request.form.get("initials", ""), request.form.get("sentence_id", ""),
                                  video.content_type or "", client)
        return jsonify(saved=sidecar["clip"], file=sidecar["file"], progress=store.progress(sidecar["initials"])), 201

    return app


def serve(root: Path, sentences: dict[str, str], extensions: list[str], settings: dict, host: str, port: int) -> None:
    if host not in LOOPBACK:
        LOG.warning("listening on %s, not loopback: anyone who reaches it can upload", host)
    print(f"lipflow record: open http://{host}:{port}/ (writing into {Path(root).resolve()}); Ctrl+C stops")
    create_app(root, sentences, extensions, settings).run(host=host, port=port, threaded=True)
