// lipflow recorder: countdown, a fixed-length take, replay or redo, upload.
// The page state lives in <body data-state>: setup, ready, countdown, recording, review, uploading.
// Cameras (and Chromium's own scaler) ignore a requested size often, so the take is framed
// on a width x height canvas, one canvas frame per camera frame: the corpus size is exact
// and the camera's own frame rate is kept for the fps stage to measure.
"use strict";

const config = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
// MediaRecorder picks the container; the server names the file after it (webm or mp4).
const CANDIDATE_TYPES = [
  "video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm",
  "video/mp4;codecs=avc1,mp4a", "video/mp4",
];
const INITIALS = /^[\p{L}\p{N}]+$/u;

const session = {
  initials: "", device: "", camera: null, stream: null, mimeType: "", current: null, take: null, done: new Set(),
};

function setState(state) {
  document.body.dataset.state = state;
  const reviewing = state === "review";
  $("record").hidden = reviewing;
  $("record").disabled = state !== "ready";
  for (const id of ["play", "redo", "save"]) $(id).hidden = !reviewing;
  $("replay").hidden = !reviewing;
  $("preview").hidden = reviewing;
  $("countdown").hidden = state !== "countdown";
  $("recording").hidden = state !== "recording";
}

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

function framedStream(video, audioTracks) {
  const canvas = document.createElement("canvas");
  canvas.width = config.width;
  canvas.height = config.height;
  const context = canvas.getContext("2d");
  const schedule = () => ("requestVideoFrameCallback" in video
    ? video.requestVideoFrameCallback(draw) : requestAnimationFrame(draw));
  function draw() {
    const { videoWidth: width, videoHeight: height } = video;
    if (width && height) {
      const scale = Math.max(canvas.width / width, canvas.height / height);
      const cropWidth = canvas.width / scale;
      const cropHeight = canvas.height / scale;
      context.drawImage(video, (width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight,
        0, 0, canvas.width, canvas.height);
    }
    schedule();
  }
  schedule();
  return new MediaStream([...canvas.captureStream().getVideoTracks(), ...audioTracks]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchProgress() {
  const response = await fetch(`api/progress?initials=${encodeURIComponent(session.initials)}`);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}

function showProgress(progress) {
  session.done = new Set(progress.done);
  $("done-count").textContent = progress.done.length;
  $("total-count").textContent = progress.total;
  $("speaker").textContent = progress.speaker ? `(folder ${progress.speaker})` : "(new speaker)";
  const list = $("sentences");
  list.replaceChildren();
  for (const sentence of config.sentences) {
    const item = document.createElement("li");
    item.dataset.id = sentence.id;
    item.className = session.done.has(sentence.id) ? "done" : "missing";
    if (session.current && sentence.id === session.current.id) item.classList.add("current");
    item.textContent = `${sentence.id}. ${sentence.text}`;
    item.addEventListener("click", () => {
      if (document.body.dataset.state === "ready" || document.body.dataset.state === "review") select(sentence);
    });
    list.append(item);
  }
  $("finished").hidden = progress.missing.length > 0;
}

function select(sentence) {
  session.current = sentence;
  session.take = null;
  const index = config.sentences.indexOf(sentence);
  $("position").textContent = `Sentence ${index + 1} of ${config.sentences.length} (ID ${sentence.id})`
    + (session.done.has(sentence.id) ? ": already recorded, a new take replaces it" : "");
  $("sentence").textContent = sentence.text;
  $("status").textContent = "";
  for (const item of $("sentences").children) item.classList.toggle("current", item.dataset.id === sentence.id);
  setState("ready");
}

function nextMissing() {
  const start = session.current ? config.sentences.indexOf(session.current) + 1 : 0;
  const order = [...config.sentences.slice(start), ...config.sentences.slice(0, start)];
  return order.find((sentence) => !session.done.has(sentence.id)) || null;
}

async function countdown() {
  setState("countdown");
  for (let left = config.countdown_seconds; left > 0; left -= 1) {
    $("countdown").textContent = left;
    await sleep(1000);
  }
}

function recordTake() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const recorder = new MediaRecorder(session.stream, session.mimeType ? { mimeType: session.mimeType } : {});
    let startedAt = "";
    let ticker = null;
    recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
    recorder.onerror = (event) => { clearInterval(ticker); reject(event.error); };
    recorder.onstop = () => {
      clearInterval(ticker);
      resolve({
        blob: new Blob(chunks, { type: recorder.mimeType }),
        startedAt,
        stoppedAt: new Date().toISOString(),
      });
    };
    recorder.start();
    const started = performance.now();
    startedAt = new Date().toISOString();
    setState("recording");
    ticker = setInterval(() => {
      $("elapsed").textContent = ((performance.now() - started) / 1000).toFixed(1);
    }, 100);
    setTimeout(() => recorder.stop(), config.take_seconds * 1000);
  });
}

async function recordCurrent() {
  showMessage("");
  await countdown();
  session.take = await recordTake();
  const replay = $("replay");
  if (replay.src) URL.revokeObjectURL(replay.src);
  replay.src = URL.createObjectURL(session.take.blob);
  setState("review");
  $("status").textContent = `Take of ${(session.take.blob.size / 1024).toFixed(0)} KiB: play it, redo it, or save it.`;
  replay.play().catch(() => {});
}

async function saveCurrent() {
  const take = session.take;
  const track = session.camera.getVideoTracks()[0];
  const form = new FormData();
  form.append("initials", session.initials);
  form.append("sentence_id", session.current.id);
  form.append("user_agent", navigator.userAgent);
  form.append("recording_started_at", take.startedAt);
  form.append("recording_stopped_at", take.stoppedAt);
  form.append("requested", JSON.stringify({
    width: config.width, height: config.height, frame_rate: config.frame_rate,
    take_seconds: config.take_seconds, mime_type: session.mimeType,
  }));
  form.append("reported_settings", JSON.stringify(track.getSettings()));
  form.append("metadata", JSON.stringify({ device: session.device, consent: true }));
  form.append("video", take.blob, "take");
  setState("uploading");
  $("status").textContent = "Saving...";
  const response = await fetch("api/takes", { method: "POST", body: form });
  const answer = await response.json();
  if (!response.ok) {
    setState("review");
    $("status").textContent = "";
    showMessage(`Not saved: ${answer.error}`);
    return;
  }
  showProgress(answer.progress);
  const next = nextMissing();
  if (next) select(next);
  else setState("ready");
  $("status").textContent = `Saved ${answer.saved} (${answer.file}).`;
}

async function start(event) {
  event.preventDefault();
  showMessage("");
  const initials = $("initials").value.trim().normalize("NFC");
  if (!INITIALS.test(initials) || initials.length > config.initials_max_length) {
    showMessage(`Initials: letters and digits only, at most ${config.initials_max_length}.`);
    return;
  }
  session.initials = initials;
  session.device = $("device").value.trim();
  let progress;
  try {
    progress = await fetchProgress();
    session.camera = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: config.width }, height: { ideal: config.height }, frameRate: { ideal: config.frame_rate } },
      audio: true,
    });
  } catch (error) {
    showMessage(`Cannot start: ${error.message || error}`);
    return;
  }
  session.mimeType = CANDIDATE_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  $("preview").srcObject = session.camera;
  session.stream = framedStream($("preview"), session.camera.getAudioTracks());
  $("setup").hidden = true;
  $("session").hidden = false;
  showProgress(progress);
  select(nextMissing() || config.sentences[0]);
}

function guard(action) {
  return () => action().catch((error) => {
    showMessage(`Error: ${error.message || error}`);
    setState(session.take ? "review" : "ready");
  });
}

$("setup").addEventListener("submit", start);
$("record").addEventListener("click", guard(recordCurrent));
$("redo").addEventListener("click", guard(recordCurrent));
$("save").addEventListener("click", guard(saveCurrent));
$("play").addEventListener("click", () => { $("replay").currentTime = 0; $("replay").play(); });
