// The SwapTalk page: plain JavaScript against the job API of the host that served it (swaptalk serve or the
// Functions app). Uploads are checked by the server before a job can start; every API problem is shown beside the
// field it names (RFC 7807 `errors[].field`).
"use strict";

const $ = (id) => document.getElementById(id);
// The Functions app serves the page under /api/page/ and wants a function key; swaptalk serve serves it at / and
// takes its token as a bearer token or cookie.
const onFunctions = location.pathname.startsWith("/api/page");
const uploads = { portrait: null, video: null, audio: null };
let current = null;      // the job shown: { id, timer, startedAt, firstProgressMs }
const objectUrls = [];
window.swaptalk = { timings: [] };

// ---- API ----
function accessToken() { return sessionStorage.getItem("swaptalk-token"); }

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const token = accessToken();
  if (token) headers.set(onFunctions ? "x-functions-key" : "Authorization", onFunctions ? token : "Bearer " + token);
  const response = await fetch(path, { ...options, headers, credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) showAccess();
  return response;
}

async function problemOf(response) {
  try {
    const body = await response.json();
    if (body && (body.title || body.detail)) return body;
  } catch (_) { /* not JSON */ }
  return { status: response.status, title: `The server answered ${response.status}`, detail: response.statusText || "" };
}

// A media or image URL the browser can load: direct when no header is needed, else fetched with it.
async function mediaUrl(path) {
  if (!accessToken() || !onFunctions) return path;
  const response = await api(path);
  if (!response.ok) throw await problemOf(response);
  const url = URL.createObjectURL(await response.blob());
  objectUrls.push(url);
  return url;
}

function showAccess() { $("access").hidden = false; }
$("access-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("access-token").value.trim();
  if (!token) { $("access-problem").textContent = "Enter the token."; return; }
  sessionStorage.setItem("swaptalk-token", token);
  // The cookie lets <video> and <img> elements load from swaptalk serve without a header.
  if (!onFunctions) document.cookie = `swaptalk_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  $("access").hidden = true;
  $("access-problem").textContent = "";
  refreshJobs();
});

// ---- formatting ----
function seconds(s) {
  if (s == null || !isFinite(s)) return "-";
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return `${m} min ${r.toString().padStart(2, "0")} s`;
}
function bytes(n) {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(n / 1024))} KiB`;
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// ---- problems beside their fields ----
const fieldTargets = {
  portrait: "problem-portrait", video: "problem-video", audio: "problem-audio", output: "problem-output",
};
function clearProblems() {
  for (const id of ["problem-start", "problem-options", "problem-output"]) $(id).textContent = "";
  document.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
}
function showProblem(problem, fallbackId) {
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  let placed = 0;
  for (const error of errors) {
    const field = error.field || "";
    const target = fieldTargets[field];
    if (target) {
      $(target).textContent = plain(error.message);
      placed++;
      continue;
    }
    const input = document.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (input) {
      input.classList.add("invalid");
      $("problem-options").append(el("div", { text: `${labelOf(input)}: ${plain(error.message)}` }));
      placed++;
    }
  }
  if (placed < errors.length || errors.length === 0) {
    const rest = errors.filter((e) => !fieldTargets[e.field] && !document.querySelector(`[data-field="${CSS.escape(e.field || "")}"]`));
    const text = rest.length ? rest.map((e) => `${e.field}: ${plain(e.message)}`).join("; ") : plain(problem.detail || problem.title);
    $(fallbackId).textContent = text;
  }
}
function labelOf(input) {
  const label = input.closest("label");
  return label ? label.childNodes[0].textContent.trim() : input.id;
}
// Server messages are written for the CLI; keep them, minus internal prefixes.
function plain(message) { return String(message || "").replace(/^bad input: /, ""); }

// ---- uploads ----
for (const kind of ["portrait", "video", "audio"]) {
  const zone = $("drop-" + kind), input = $("file-" + kind);
  input.addEventListener("change", () => { if (input.files[0]) upload(kind, input.files[0]); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files[0]) upload(kind, e.dataTransfer.files[0]);
  });
}
$("clear-audio").addEventListener("click", () => {
  uploads.audio = null;
  $("facts-audio").replaceChildren();
  $("problem-audio").textContent = "";
  $("drop-audio").classList.remove("ok", "bad");
  $("file-audio").value = "";
  $("clear-audio").hidden = true;
  update();
});
$("opt-selection").addEventListener("change", () => {
  // The face box follows the selection rule: check the portrait again with it.
  const file = $("file-portrait").files[0];
  if (file && uploads.portrait) upload("portrait", file);
});
for (const id of ["opt-policy"]) $(id).addEventListener("change", update);

async function upload(kind, file) {
  uploads[kind] = null;
  const facts = $("facts-" + kind), problem = $("problem-" + kind), zone = $("drop-" + kind);
  zone.classList.remove("ok", "bad");
  problem.textContent = "";
  facts.replaceChildren(el("div", { class: "name", text: file.name }), el("div", { class: "busy", text: `checking ${bytes(file.size)}...` }));
  update();
  const query = kind === "portrait" ? `?faceSelection=${encodeURIComponent($("opt-selection").value)}` : "";
  let response;
  try {
    response = await api(`/api/uploads/${kind}${query}`, {
      method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" },
    });
  } catch (e) {
    facts.lastChild.remove();
    problem.textContent = `The upload did not reach the server (${e.message}).`;
    zone.classList.add("bad");
    return;
  }
  facts.lastChild.remove();
  if (!response.ok) {
    const p = await problemOf(response);
    const mine = (p.errors || []).filter((x) => x.field === kind).map((x) => plain(x.message));
    problem.textContent = mine.length ? mine.join(" ") : plain(p.detail || p.title);
    zone.classList.add("bad");
    update();
    return;
  }
  const body = await response.json();
  uploads[kind] = body;
  zone.classList.add("ok");
  if (kind === "audio") $("clear-audio").hidden = false;
  if (body.thumbnail) {
    try {
      const src = await mediaUrl(new URL(body.thumbnail).pathname);
      facts.append(el("img", { src, alt: kind === "portrait" ? "the portrait with the face it will use boxed" : "the video's first frame" }));
    } catch (_) { /* the facts below still say what was understood */ }
  }
  facts.append(describe(kind, body));
  update();
}

function describe(kind, body) {
  const list = el("div");
  const line = (text) => list.append(el("div", { text }));
  if (kind === "portrait" && body.portrait) {
    const p = body.portrait;
    line(`${p.width} x ${p.height} pixels`);
    line(p.facesFound === 1 ? "1 face found (boxed)" : `${p.facesFound} faces found; the ${p.faceSelection} one is boxed`);
  } else if (kind === "video" && body.video) {
    const v = body.video;
    line(`${v.width} x ${v.height}, ${v.framesPerSecond} fps`);
    line(`${seconds(v.durationSeconds)}, ${v.frameCount} frames`);
    line(v.hasAudio ? `own speech: ${seconds(v.audioSeconds)}` : "no sound track (give a speech track)");
  } else if (kind === "audio" && body.audio) {
    const a = body.audio;
    line(`${seconds(a.durationSeconds)} of audio, ${a.sampleRate} Hz, ${a.channels === 1 ? "mono" : a.channels + " channels"}`);
  }
  line(`${bytes(body.sizeBytes)}`);
  return list;
}

// The output length that follows from the inputs: JobPlanner.OutputFrameCount's rule.
function outputFrames() {
  const v = uploads.video && uploads.video.video;
  if (!v) return null;
  const a = uploads.audio && uploads.audio.audio;
  if (!a) return { frames: v.frameCount, fps: v.framesPerSecond, why: "the video's own speech drives the lips" };
  const audioFrames = Math.round(a.durationSeconds * v.framesPerSecond);
  const policy = $("opt-policy").value;
  if (audioFrames <= v.frameCount || policy !== "trim")
    return { frames: audioFrames, fps: v.framesPerSecond,
      why: audioFrames > v.frameCount ? `as long as the speech; the video ${policy === "freeze" ? "holds its last frame" : "plays forth and back"}` : "as long as the speech" };
  return { frames: v.frameCount, fps: v.framesPerSecond, why: "as long as the video (the speech is cut)" };
}

function update() {
  const out = outputFrames();
  $("output-summary").textContent = out
    ? `Output: ${out.frames} frames, ${seconds(out.frames / out.fps)} (${out.why}).` : "";
  const busy = document.querySelector(".facts .busy");
  const ready = uploads.portrait && uploads.video && !busy;
  $("start").disabled = !ready;
  $("start-why").textContent = ready ? "" : busy ? "Checking an upload..." : "Add a portrait and a video.";
}

// ---- start, progress, cancel ----
$("start").addEventListener("click", start);
async function start() {
  clearProblems();
  const manifest = {
    portrait: uploads.portrait.blob,
    video: uploads.video.blob,
    options: {
      engine: $("opt-engine").value,
      lengthPolicy: $("opt-policy").value,
      faceSelection: $("opt-selection").value,
      segmentFrames: Number($("opt-segment").value),
      quality: { crf: Number($("opt-crf").value), preset: $("opt-preset").value, lossless: $("opt-lossless").checked },
    },
  };
  if (uploads.audio) manifest.audio = uploads.audio.blob;
  const pressed = performance.now();
  $("start").disabled = true;
  const response = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(manifest) });
  if (!response.ok) {
    showProblem(await problemOf(response), "problem-start");
    update();
    return;
  }
  const accepted = await response.json();
  open(accepted.id, pressed);
  update();
  refreshJobs();
}

function open(id, pressedAt) {
  if (current && current.timer) clearTimeout(current.timer);
  for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  current = { id, pressedAt: pressedAt ?? null, firstProgressMs: null, resultShown: false };
  $("job").hidden = false;
  $("job-id").textContent = id;
  $("result").hidden = true;
  $("job-problem").textContent = "";
  $("result-problem").textContent = "";
  $("job-bar").style.width = "0";
  for (const cell of ["job-segments", "job-frames", "job-fps", "job-left"]) $(cell).textContent = "-";
  for (const v of ["video-dub", "video-original"]) { $(v).removeAttribute("src"); $(v).load(); }
  document.querySelectorAll("#jobs-body tr").forEach((tr) => tr.classList.toggle("open", tr.dataset.id === id));
  poll();
  $("job").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function poll() {
  const job = current;
  if (!job) return;
  let response;
  try {
    response = await api(`/api/jobs/${encodeURIComponent(job.id)}`);
  } catch (e) {
    $("job-problem").textContent = `The server cannot be reached (${e.message}); trying again.`;
    job.timer = setTimeout(poll, 2000);
    return;
  }
  if (job !== current) return;
  if (!response.ok && response.status !== 202) {
    const p = await problemOf(response);
    $("job-problem").textContent = plain(p.detail || p.title);
    return;
  }
  const view = await response.json();
  $("job-problem").textContent = "";
  show(view);
  if (view.status === "succeeded") await showResult(view);
  else if (view.status === "failed" || view.status === "canceled") {
    $("job-problem").textContent = view.failure ? plain(view.failure.message) : `The job ${view.status}.`;
  }
  if (view.status === "pending" || view.status === "running") job.timer = setTimeout(poll, 500);
  else refreshJobs();
}

function show(view) {
  const badge = $("job-status");
  badge.textContent = view.status;
  badge.className = "badge " + view.status;
  $("job-phase").textContent = view.phase ? `phase: ${view.phase}` : "";
  $("cancel").hidden = !(view.status === "pending" || view.status === "running");
  const p = view.progress;
  if (p) {
    $("job-segments").textContent = p.segmentsTotal ? `${p.segmentsDone} / ${p.segmentsTotal}` : "-";
    $("job-frames").textContent = p.framesTotal ? `${p.framesDone} / ${p.framesTotal}` : "-";
    $("job-bar").style.width = `${p.percent ?? 0}%`;
    // Rate and time left come while segments render; the last rate seen stays once the job has ended.
    if (p.framesPerSecond != null) $("job-fps").textContent = p.framesPerSecond.toFixed(1);
    else if (view.status === "pending" || p.framesDone === 0) $("job-fps").textContent = "-";
    $("job-left").textContent = p.secondsLeft != null ? seconds(p.secondsLeft) : view.status === "succeeded" ? "done" : "-";
  }
  document.body.dataset.jobStatus = view.status;
  document.body.dataset.framesDone = p ? p.framesDone : 0;
  // Time from pressing start to the first progress this page shows (a phase from the workflow).
  if (current && current.pressedAt != null && current.firstProgressMs == null && view.phase) {
    current.firstProgressMs = performance.now() - current.pressedAt;
    window.swaptalk.timings.push({ job: view.id, firstProgressMs: current.firstProgressMs, phase: view.phase });
  }
}

$("cancel").addEventListener("click", async () => {
  if (!current) return;
  $("cancel").disabled = true;
  const response = await api(`/api/jobs/${encodeURIComponent(current.id)}/cancel`, { method: "POST" });
  $("cancel").disabled = false;
  if (!response.ok) {
    const p = await problemOf(response);
    $("job-problem").textContent = plain(p.detail || p.title);
  }
});

// ---- the result ----
async function showResult(view) {
  if (current.resultShown) return;
  current.resultShown = true;
  const id = encodeURIComponent(view.id);
  const result = await api(`/api/jobs/${id}/result`);
  if (!result.ok) {
    $("result-problem").textContent = plain((await problemOf(result)).detail);
    return;
  }
  const link = await result.json();
  $("result").hidden = false;
  const dub = $("video-dub"), original = $("video-original");
  dub.src = link.url;
  const files = `/api/jobs/${id}/files/`;
  try { original.src = await mediaUrl(files + "original"); } catch (_) { original.closest("figure").hidden = true; }
  const downloads = $("downloads");
  downloads.replaceChildren(el("a", { href: link.url, download: `${view.id}.mp4`, text: "Download the dub" }));
  for (const [file, label, img] of [["preview", "preview sheet", "img-preview"], ["evaluation", "evaluation image", "img-eval"], ["evaluation.json", "evaluation numbers", null]]) {
    let url;
    try { url = await mediaUrl(files + file); } catch (_) { if (img) $(img).hidden = true; continue; }
    const name = file.endsWith(".json") ? `${view.id}-evaluation.json` : `${view.id}-${file}.png`;
    downloads.append(el("a", { href: url, download: name, text: label }));
    if (img) { $(img).src = url; $(img).hidden = false; }
  }
  await numbers(files + "evaluation.json");
}

async function numbers(path) {
  const table = $("eval-numbers");
  table.replaceChildren();
  const response = await api(path);
  if (!response.ok) {
    table.append(el("tr", {}, el("td", { text: "No evaluation was written for this job." })));
    return;
  }
  const e = await response.json();
  const f = (v, digits = 3) => (v == null ? "-" : Number(v).toFixed(digits));
  const pct = (v) => (v == null ? "-" : `${(100 * v).toFixed(1)} %`);
  const rows = [
    ["Identity: mean cosine to the portrait (same person about 0.74, different about 0)", f(e.identity && e.identity.consistency)],
    ["Frames closer to the portrait than to the original speaker", pct(e.identity && e.identity.closerToPortrait)],
    ["Lip sync: mouth opening against loudness, r at lag 0", f(e.lipSync && e.lipSync.correlationAtLag0)],
    ["Best audio-visual lag (frames)", e.lipSync ? String(e.lipSync.bestLag) : "-"],
    ["Frames with a face", `${e.framesWithFace ?? "-"} of ${e.frames ?? "-"}`],
  ];
  for (const [label, value] of rows) table.append(el("tr", {}, el("td", { text: label }), el("td", { text: value })));
}

// The original plays in step with the dub: the dub's controls drive both (the original loops when the dub is longer).
(function syncVideos() {
  const dub = $("video-dub"), original = $("video-original");
  const align = () => {
    if (!original.duration || !isFinite(original.duration)) return;
    const t = dub.currentTime % original.duration;
    if (Math.abs(original.currentTime - t) > 0.12) original.currentTime = t;
  };
  dub.addEventListener("play", () => { align(); original.play().catch(() => {}); });
  dub.addEventListener("pause", () => original.pause());
  dub.addEventListener("seeked", align);
  dub.addEventListener("timeupdate", align);
  dub.addEventListener("ratechange", () => { original.playbackRate = dub.playbackRate; });
})();

// ---- the jobs list ----
$("refresh-jobs").addEventListener("click", refreshJobs);
async function refreshJobs() {
  let response;
  try { response = await api("/api/jobs"); } catch (_) { return; }
  if (!response.ok) return;
  const { jobs } = await response.json();
  const body = $("jobs-body");
  body.replaceChildren();
  $("jobs-empty").hidden = jobs.length > 0;
  for (const job of jobs) {
    const p = job.progress;
    const row = el("tr", { "data-id": job.id },
      el("td", {}, el("code", { text: job.id })),
      el("td", {}, el("span", { class: "badge " + job.status, text: job.status })),
      el("td", { text: job.phase || "" }),
      el("td", { text: p && p.framesTotal ? `${p.framesDone} / ${p.framesTotal} frames` : "" }),
      el("td", { text: job.createdAt ? new Date(job.createdAt).toLocaleString() : "" }));
    if (current && current.id === job.id) row.classList.add("open");
    row.addEventListener("click", () => open(job.id));
    body.append(row);
  }
}

update();
refreshJobs();
setInterval(refreshJobs, 5000);
