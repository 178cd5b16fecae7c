// The studio's page: plain JavaScript against the JSON API (docs/studio-api.md). Every text
// from a job or caption file is set with textContent, never as HTML.
"use strict";

const STATUS = {
  idle: "bereit", queued: "in der Warteschlange", running: "wird gerendert", done: "fertig",
  failed: "fehlgeschlagen", interrupted: "unterbrochen – bitte erneut rendern",
};
const CONFLICT = "Jemand anderes hat diese Untertitel inzwischen gespeichert. Laden Sie sie " +
  "neu („Verwerfen und neu laden“) und wiederholen Sie Ihre Änderung.";

const STALE = "Schnitt geändert: Die Untertitel passen vielleicht nicht mehr. Bitte prüfen " +
  "oder neu erkennen lassen.";

// Why a word is listed under "Bitte prüfen": the gallery page's wording (publish/page.py).
const WHY = { probability: "undeutlich gehört", dictionary: "nicht im Wörterbuch" };

const state = { job: null, view: null, video: null, captions: null, events: null, dirty: false,
                edit: null, editDirty: false, labels: {}, created: null };
const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else if (v !== false && v != null) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) {
    const err = new Error((data && data.error) || `Fehler ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return data;
}

function say(id, text, bad = false) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle("bad", bad);
}

function why(reasons) {
  // "probability,dictionary" → "undeutlich gehört und nicht im Wörterbuch"
  return reasons.split(",").filter(Boolean).map((r) => WHY[r] || r).join(" und ");
}

function bare(word) {
  // The word without the punctuation around it: "Bewerb," → "Bewerb"
  return word.replace(/^[„“"'»«(]+|[.,;:!?…"'“”»«)]+$/g, "");
}

function platform(target) {
  // The export target's German label: "tiktok" → "TikTok", "tiktok-fast" → "Vorschau TikTok"
  if (state.labels[target]) return state.labels[target];
  if (target.endsWith("-fast")) return `Vorschau ${platform(target.slice(0, -5))}`;
  return target;
}

function deNumber(x, digits = 1) {
  return x.toFixed(digits).replace(".", ",").replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

function deBytes(n) {
  // as the gallery page writes sizes: "1,7 MB"
  for (const [unit, size] of [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]]) {
    if (n >= size) return `${deNumber(n / size)} ${unit}`;
  }
  return `${n} Byte`;
}

function clock(t) {
  const tenths = Math.round(t * 10);  // 59,96 s is 1:00,0, not 0:60,0
  const m = Math.floor(tenths / 600), s = ((tenths - m * 600) / 10).toFixed(1).padStart(4, "0");
  return `${m}:${s.replace(".", ",")}`;
}

// --- jobs ------------------------------------------------------------------------------------

async function loadJobs() {
  const jobs = await api("GET", "/api/jobs");
  const list = $("job-list");
  list.replaceChildren(...jobs.map((j) => el("li", {},
    el("a", { href: `#job=${encodeURIComponent(j.id)}`,
              "aria-current": j.id === state.job ? "page" : false },
       el("span", { text: j.id }),
       el("span", { class: `state ${j.status}`, text: STATUS[j.status] || j.status })))));
  if (!jobs.length) list.append(el("li", { class: "hint", text: "Noch keine Aufträge." }));
}

async function loadForm() {
  const [kits, targets] = await Promise.all([api("GET", "/api/kits"), api("GET", "/api/targets")]);
  state.labels = Object.fromEntries(targets.map((t) => [t.name, t.label]));
  $("job-kit").replaceChildren(...kits.map((k) => el("option", { value: k.name, text: k.name })));
  $("job-targets").replaceChildren(...targets.map((t, i) => el("label", {},
    el("input", { type: "checkbox", name: "targets", value: t.name, checked: i < 2 }),
    t.label)));
}

async function createJob(ev) {
  ev.preventDefault();
  const form = ev.target;
  const targets = [...form.querySelectorAll("input[name=targets]:checked")].map((c) => c.value);
  try {
    const { id } = await api("POST", "/api/jobs", {
      name: form.name.value.trim(), brand: form.brand.value, targets });
    const text = `Auftrag „${id}“ angelegt.`;
    say("new-job-message", text);
    state.created = id;
    setTimeout(() => { if ($("new-job-message").textContent === text) say("new-job-message", ""); },
               8000);
    form.name.value = "";
    location.hash = `job=${encodeURIComponent(id)}`;
  } catch (e) {
    say("new-job-message", e.message, true);
  }
}

async function openJob(id) {
  if (state.events) { state.events.close(); state.events = null; }  // the last job's progress
  state.job = id;
  state.video = null;
  state.captions = null;
  // Nothing of the job shown before: its uploads, progress and messages.
  $("uploads").replaceChildren();
  $("render-progress").replaceChildren();
  $("job-errors").replaceChildren();
  for (const m of ["approve-message", "save-message", "edit-message"]) say(m, "");
  if (id !== state.created) say("new-job-message", "");
  state.created = null;
  $("empty").hidden = true;
  $("job").hidden = false;
  $("editor").hidden = true;
  await Promise.all([loadJobs(), refreshJob()]);
  if (["queued", "running"].includes(state.view.status)) follow();
}

async function refreshJob() {
  const v = await api("GET", `/api/jobs/${encodeURIComponent(state.job)}`);
  state.view = v;
  $("job-title").textContent = `Auftrag ${v.id}`;
  $("job-status").textContent = STATUS[v.status] || v.status;
  $("job-errors").replaceChildren(...v.errors.map((e) => el("li", { text: e })));
  const busy = ["queued", "running"].includes(v.status);
  $("render-fast").disabled = busy || !v.videos.length;
  $("render-full").disabled = busy || !v.videos.length;
  $("videos").replaceChildren(...v.videos.map(videoRow));
  if (!v.videos.length) $("videos").append(el("li", { class: "hint",
    text: "Noch keine Clips: laden Sie oben Videos hoch." }));
  for (const zip of [$("zip"), $("zip-video")]) {
    zip.hidden = !v.videos.some((x) => x.approved);
    zip.href = `/api/jobs/${encodeURIComponent(v.id)}/download.zip`;
  }
  if (state.video) showVideoMeta();
}

function videoRow(v) {
  const finals = v.outputs.filter((o) => !o.preview);
  const what = finals.length ? "gerendert" : v.outputs.length ? "Vorschau" : "noch nicht gerendert";
  return el("li", {},
    el("strong", { text: v.title }),
    el("span", { class: "badge", text: what }),
    v.uncertain ? el("span", { class: "badge check", text: `${v.uncertain} zu prüfen` }) : "",
    v.approved ? el("span", { class: "badge ok", text: "freigegeben" }) : "",
    ...v.errors.map((e) => el("span", { class: "message bad", text: e })),
    el("button", { type: "button", class: "secondary", onclick: () => openVideo(v.name),
                   "aria-label": `${v.title} prüfen und bearbeiten` }, "Prüfen und bearbeiten"));
}

// --- uploads ---------------------------------------------------------------------------------

function upload(file) {
  const bar = el("progress", { max: 100, value: 0, "aria-label": `Hochladen: ${file.name}` });
  const note = el("span", { text: file.name });
  $("uploads").append(el("li", {}, note, bar));
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/jobs/${encodeURIComponent(state.job)}/clips`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 201) {
        bar.value = 100;
        note.textContent = `${body.name}: hochgeladen`;
      } else {
        note.textContent = `${file.name}: ${body.error || "Fehler " + xhr.status}`;
        note.className = "message bad";
      }
      resolve();
    };
    xhr.onerror = () => { note.textContent = `${file.name}: Verbindung unterbrochen`; resolve(); };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

async function uploadAll(files) {
  for (const f of files) await upload(f);  // one at a time: the disk and the probe are shared
  await refreshJob();
}

function setUpDrop() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    uploadAll([...e.dataTransfer.files]);
  });
  $("clip-input").addEventListener("change", (e) => {
    uploadAll([...e.target.files]);
    e.target.value = "";
  });
}

// --- render ----------------------------------------------------------------------------------

async function render(fast) {
  try {
    await api("POST", `/api/jobs/${encodeURIComponent(state.job)}/render`, { fast });
    await refreshJob();
    follow();
  } catch (e) {
    $("job-errors").replaceChildren(el("li", { text: e.message }));
  }
}

function outputLabel(key) {
  // "IMG_0001.tiktok-fast" → "IMG_0001 – Vorschau TikTok" (the video's title, the platform)
  const at = key.lastIndexOf(".");
  const name = at > 0 ? key.slice(0, at) : key;
  const video = state.view?.videos.find((x) => x.name === name);
  return at > 0 ? `${video ? video.title : name} – ${platform(key.slice(at + 1))}` : key;
}

function follow() {
  if (state.events) state.events.close();
  const job = state.job;
  const source = new EventSource(`/api/jobs/${encodeURIComponent(job)}/events`);
  state.events = source;
  source.addEventListener("progress", async (ev) => {
    if (state.job !== job) { source.close(); return; }
    const s = JSON.parse(ev.data);
    $("job-status").textContent = STATUS[s.status] || s.status;
    $("render-progress").replaceChildren(...Object.entries(s.progress).map(([key, f]) => {
      const label = outputLabel(key);
      return el("li", {}, el("span", { text: label }),
        el("progress", { max: 1, value: f, "aria-label": `Fortschritt ${label}` }),
        el("span", { text: `${Math.round(f * 100)} %` }));
    }));
    if (!["queued", "running"].includes(s.status)) {
      source.close();
      state.events = null;
      await Promise.all([refreshJob(), loadJobs()]);
      if (state.video) await Promise.all([loadCaptions(), state.editDirty ? null : loadEdit()]);
    }
  });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) state.events = null; };
}

// --- one video: player, cues, approval ---------------------------------------------------------

function currentVideo() {
  return state.view.videos.find((x) => x.name === state.video);
}

async function openVideo(name) {
  state.video = name;
  say("approve-message", "");
  $("editor").hidden = false;
  showVideoMeta();
  await Promise.all([loadCaptions(), loadEdit()]);
  $("editor-title").focus?.();
  $("editor").scrollIntoView({ behavior: "smooth", block: "start" });
}

function showVideoMeta() {
  const v = currentVideo();
  if (!v) return;
  $("editor-title").textContent = `Video: ${v.title}`;
  $("editor-title").setAttribute("tabindex", "-1");
  const finals = v.outputs.filter((o) => !o.preview);
  const best = finals[0] || v.outputs[0];
  const player = $("player");
  const src = best ? `${best.url}?b=${best.bytes}` : "";
  if (player.dataset.src !== src) {
    player.dataset.src = src;
    if (src) player.src = src; else player.removeAttribute("src");
    if (best?.cover) player.poster = best.cover;
  }
  player.setAttribute("aria-label", `Video ${v.title}`);
  $("faces-note").textContent = v.faces || "";
  $("faces-note").hidden = !v.faces;
  $("player-note").textContent = !best ? "Noch nicht gerendert: zuerst die Schnellvorschau rendern."
    : best.preview ? "Schnellvorschau (geringere Qualität)." : `Fertiges Video für ${platform(best.target)}.`;
  const approve = $("approve");
  approve.textContent = v.approved ? "Freigabe zurücknehmen" : "Video freigeben";
  approve.setAttribute("aria-pressed", v.approved ? "true" : "false");
  approve.disabled = !v.approved && !finals.length;
  approve.title = approve.disabled ? "Erst für die Veröffentlichung rendern" : "";
  const links = [...finals.map((o) => [o.url, `${platform(o.target)} (MP4, ${deBytes(o.bytes)})`]),
    ...Object.entries(v.subtitles).map(([k, url]) => [url, `Untertitel (${k.toUpperCase()})`])];
  $("downloads").replaceChildren(...links.map(([url, text]) =>
    el("li", {}, el("a", { href: url, download: "", text }))));
  if (!links.length) $("downloads").append(el("li", { class: "hint", text: "Noch nichts." }));
}

async function loadCaptions(keepMessage = false) {
  state.dirty = false;
  if (!keepMessage) say("save-message", "");
  try {
    state.captions = await api("GET",
      `/api/jobs/${encodeURIComponent(state.job)}/videos/${encodeURIComponent(state.video)}/captions`);
  } catch (e) {
    state.captions = null;
    $("cue-list").replaceChildren(el("li", { class: "hint", text: e.message }));
    $("check-box").hidden = true;
    $("save").disabled = true;
    return;
  }
  $("save").disabled = false;
  drawCues();
}

function tokensOf(cue) {
  // A cue's words align with its tokens only when their counts match (as on the server).
  const tokens = cue.text.split(/\s+/).filter(Boolean);
  return tokens.length === cue.words.length ? tokens.map((t, i) => [t, cue.words[i]]) : null;
}

function cueText(cue) {
  // The cue's text with its doubtful words in <mark>, line breaks kept.
  const frag = document.createDocumentFragment();
  const aligned = tokensOf(cue);
  let i = 0;
  cue.text.split("\n").forEach((line, n) => {
    if (n) frag.append(el("br"));
    line.split(/(\s+)/).forEach((part) => {
      if (!part) return;
      if (/^\s+$/.test(part)) { frag.append(part); return; }
      const w = aligned && aligned[i] && aligned[i][1];
      i += 1;
      frag.append(w && w.uncertain ? el("mark", { title: `Bitte prüfen: ${why(w.uncertain)}`,
                                                  "data-token": part, text: part }) : part);
    });
  });
  return frag;
}

function offset() {
  // The intro's length: a caption file's time t is at t + offset in every rendered video.
  return currentVideo()?.offset || 0;
}

function drawCues() {
  const cues = state.captions.cues;
  $("cue-list").replaceChildren(...cues.map((cue, i) => {
    const at = clock(cue.start + offset());  // as the player's clock shows it
    const text = el("div", { class: "text", contenteditable: "true", role: "textbox",
      "aria-multiline": "true", "aria-label": `Untertitel ${i + 1} (${at})`,
      spellcheck: "true", lang: "de" }, cueText(cue));
    text.addEventListener("input", () => {
      cue.text = text.innerText.replace(/\n{2,}/g, "\n").trim();
      state.dirty = true;
      say("save-message", "Ungespeicherte Änderungen.");
      $("check-stale").hidden = $("check-box").hidden;
      // A changed word is no longer marked (as after saving); the elements stay for the caret.
      // The browser copies a replaced mark's colour as an inline style: dropped as well.
      for (const n of text.querySelectorAll("[style]")) n.removeAttribute("style");
      for (const m of text.querySelectorAll("mark")) {
        m.classList.toggle("changed", m.textContent !== m.dataset.token);
      }
    });
    return el("li", { class: "cue", "data-index": i },
      el("button", { type: "button", class: "time", "aria-label": `Zu ${at} springen`,
                     onclick: () => seek(cue.start) }, at),
      text,
      el("div", { class: "tools" },
        el("button", { type: "button", class: "secondary", onclick: () => split(i, text),
                       "aria-label": `Untertitel ${i + 1} teilen` }, "Teilen"),
        i + 1 < cues.length ? el("button", { type: "button", class: "secondary",
          onclick: () => merge(i), "aria-label": `Untertitel ${i + 1} mit dem nächsten zusammenführen` },
          "Mit nächstem zusammenführen") : ""));
  }));
  drawChecks();
}

function drawChecks() {
  // One line per word: its time in the video, the word, why it is listed and, for a word the
  // dictionary does not know (a name, say), "Zum Glossar hinzufügen".
  const items = [];
  state.captions.cues.forEach((cue) => (tokensOf(cue) || []).forEach(([token, w]) => {
    if (w.uncertain) items.push([token, w]);
  }));
  $("check-box").hidden = !items.length;
  $("check-stale").hidden = true;
  $("check-list").replaceChildren(...items.map(([token, w], n) => {
    const word = bare(token) || token;
    const at = clock(w.start + offset());
    return el("li", { "data-index": n },
      el("button", { type: "button", class: "secondary time", onclick: () => seek(w.start),
                     "aria-label": `Zu „${word}“ springen (${at})` }, at),
      el("mark", { text: token }),
      el("span", { class: "why", text: why(w.uncertain) }),
      w.uncertain.split(",").includes("dictionary") && word
        ? el("button", { type: "button", class: "secondary glossary",
                         onclick: () => addToGlossary(word, n),
                         "aria-label": `„${word}“ zum Glossar hinzufügen` },
             "Zum Glossar hinzufügen")
        : "");
  }));
}

function seek(captionTime) {
  // To where the player shows a caption-file time: after the intro, a hair past the start so
  // that the cue is on screen (and highlighted) at once.
  const p = $("player");
  if (!p.src) return;
  p.currentTime = captionTime + offset() + 0.01;
  p.play().catch(() => {});
}

function highlight() {
  if (!state.captions) return;
  const t = $("player").currentTime - (currentVideo()?.offset || 0);
  document.querySelectorAll(".cue").forEach((li) => {
    const c = state.captions.cues[Number(li.dataset.index)];
    li.classList.toggle("current", !!c && c.start <= t && t < c.end);
  });
}

function caretWord(text) {
  // The index of the word the caret is in (or before), or -1 when the caret is elsewhere.
  const sel = window.getSelection();
  if (!sel.rangeCount || !text.contains(sel.anchorNode)) return -1;
  const range = document.createRange();
  range.setStart(text, 0);
  range.setEnd(sel.anchorNode, sel.anchorOffset);
  return range.toString().split(/\s+/).filter(Boolean).length;
}

function split(i, textNode) {
  const cue = state.captions.cues[i];
  const tokens = cue.text.split(/\s+/).filter(Boolean);
  if (tokens.length < 2) { say("save-message", "Ein einzelnes Wort lässt sich nicht teilen.", true); return; }
  let at = caretWord(textNode);
  if (at <= 0 || at >= tokens.length) at = Math.ceil(tokens.length / 2);
  const aligned = tokensOf(cue);
  const chars = tokens.slice(0, at).join(" ").length / tokens.join(" ").length;
  const time = aligned ? aligned[at][1].start : cue.start + (cue.end - cue.start) * chars;
  const cut = Math.min(Math.max(time, cue.start + 0.1), cue.end - 0.1);
  const words = aligned ? cue.words : [];
  state.captions.cues.splice(i, 1,
    { start: cue.start, end: cut - 0.04 > cue.start ? cut - 0.04 : cut, text: tokens.slice(0, at).join(" "),
      words: words.slice(0, at) },
    { start: cut, end: cue.end, text: tokens.slice(at).join(" "), words: words.slice(at) });
  state.dirty = true;
  drawCues();
  say("save-message", "Geteilt – noch nicht gespeichert.");
}

function merge(i) {
  const [a, b] = state.captions.cues.slice(i, i + 2);
  const sep = a.text.includes("\n") || b.text.includes("\n") ? " " : "\n";
  state.captions.cues.splice(i, 2, { start: a.start, end: b.end, text: `${a.text}${sep}${b.text}`,
                                     words: [...a.words, ...b.words] });
  state.dirty = true;
  drawCues();
  say("save-message", "Zusammengeführt – noch nicht gespeichert.");
}

async function save() {
  const path = `/api/jobs/${encodeURIComponent(state.job)}/videos/${encodeURIComponent(state.video)}/captions`;
  try {
    state.captions = await api("PUT", path, state.captions);
    state.dirty = false;
    drawCues();
    say("save-message", "Gespeichert. Rendern Sie neu, damit das Video die Korrektur zeigt.");
    await refreshJob();
  } catch (e) {
    say("save-message", e.status === 409 ? CONFLICT : e.message, true);
  }
}

async function addToGlossary(word, n) {
  try {
    await api("POST", `/api/jobs/${encodeURIComponent(state.job)}/glossary`, { word });
    const reload = !state.dirty;
    if (reload) await loadCaptions(true);
    await refreshJob();
    say("save-message", `„${word}“ steht jetzt im Glossar dieses Auftrags.` +
        (reload ? "" : " Die Markierung verschwindet nach dem Speichern."));
    // The button is gone with the word: the focus goes on to the next word, or to the text.
    const items = $("check-list").querySelectorAll("li");
    const next = items[Math.min(n, items.length - 1)];
    (next ? next.querySelector("button") : $("cue-list").querySelector(".text"))?.focus();
  } catch (e) {
    say("save-message", e.message, true);
  }
}

async function toggleApprove() {
  const v = currentVideo();
  try {
    await api("POST", `/api/jobs/${encodeURIComponent(state.job)}/videos/${encodeURIComponent(v.name)}/approve`,
              { approved: !v.approved });
    await refreshJob();
    say("approve-message", currentVideo().approved ? "Freigegeben." : "Freigabe zurückgenommen.");
  } catch (e) {
    say("approve-message", e.message, true);
  }
}

// --- one video: title, clip order, trims, lower thirds ---------------------------------------

function videoPath() {
  return `/api/jobs/${encodeURIComponent(state.job)}/videos/${encodeURIComponent(state.video)}`;
}

async function loadEdit() {
  state.editDirty = false;
  say("edit-message", "");
  try {
    state.edit = await api("GET", videoPath());
  } catch (e) {
    state.edit = null;
    $("clip-list").replaceChildren(el("li", { class: "hint", text: e.message }));
    $("save-edit").disabled = true;
    return;
  }
  $("save-edit").disabled = false;
  drawEdit();
}

function editChanged(text = "Ungespeicherte Änderungen am Schnitt.") {
  state.editDirty = true;
  say("edit-message", text);
}

function seconds(t) {
  return `${(Math.round(t * 10) / 10).toFixed(1).replace(".", ",")} s`;
}

const FACES = {
  "blur-bystanders": "Unbeteiligte unkenntlich machen (die sprechende Person bleibt sichtbar)",
  "blur": "Alle Gesichter unkenntlich machen",
  "off": "Nicht unkenntlich machen",
};

function facesOptions(v) {
  const inherited = v.faces_default ? ` (${FACES[v.faces_default]})` : "";
  return [el("option", { value: "", text: `Wie im Auftrag${inherited}` }),
    ...Object.entries(FACES).map(([value, text]) => el("option", { value, text }))];
}

function drawEdit() {
  const v = state.edit;
  $("video-title").value = v.title;
  $("video-faces").replaceChildren(...facesOptions(v));
  $("video-faces").value = v.faces || "";
  $("stale").hidden = !v.captions_stale;
  const n = v.clips.length;
  $("clip-list").replaceChildren(...v.clips.map((c, i) => clipItem(c, i, n)));
  $("add-clip").replaceChildren(...v.footage.map((f) => el("option", { value: f.file, text: f.file })));
  $("add-clip-button").disabled = !v.footage.length;
}

function numberInput(id, value, props = {}) {
  return el("input", { id, type: "number", min: 0, step: 0.1, inputmode: "decimal",
                       value: value == null ? "" : String(value), ...props });
}

function readNumber(input) {
  // null for an empty field; undefined when the text is not a number
  if (input.validity.badInput) return undefined;
  return input.value.trim() === "" ? null : Number(input.value);
}

function clipItem(c, i, n) {
  const id = `clip-${i}`;
  const name = `Clip ${i + 1}`;
  const player = el("video", { controls: true, preload: "metadata", playsinline: true,
                               "aria-label": `${name}: ${c.file} (Quelle)` });
  const note = el("p", { class: "hint" });
  if (c.url) {
    player.src = c.url;
    player.addEventListener("loadedmetadata", () => { player.currentTime = c.start || 0; },
                            { once: true });
    player.addEventListener("error", () => {
      note.textContent = "Der Browser kann diesen Clip nicht abspielen; geben Sie Anfang und " +
        "Ende in Sekunden ein.";
    });
  } else {
    note.textContent = "Keine Vorschau für diesen Clip; geben Sie Anfang und Ende in Sekunden ein.";
  }
  const start = numberInput(`${id}-start`, c.start || 0, { max: c.duration ?? false });
  const end = numberInput(`${id}-end`, c.end, { max: c.duration ?? false,
                                                "aria-describedby": `${id}-end-hint` });
  const used = el("p", { class: "hint", id: `${id}-used` });
  const showUsed = () => {
    const a = c.start || 0, b = c.end ?? c.duration;
    used.textContent = b == null ? `Ab ${clock(a)}.`
      : `Verwendet: ${clock(a)} bis ${clock(b)} (${seconds(Math.max(b - a, 0))})` +
        (c.duration != null ? ` von ${seconds(c.duration)}.` : ".");
  };
  showUsed();
  const set = (key, input) => {
    const value = readNumber(input);
    if (value === undefined) {
      say("edit-message", "Bitte eine Zahl in Sekunden eingeben, z. B. 12,5.", true);
      return;
    }
    c[key] = key === "start" ? value || 0 : value;
    showUsed();
    editChanged();
    if (value != null && c.url && !player.error) { player.pause(); player.currentTime = value; }
  };
  start.addEventListener("change", () => set("start", start));
  end.addEventListener("change", () => set("end", end));
  const here = (key, input) => {
    input.value = (Math.round(player.currentTime * 100) / 100).toString();
    set(key, input);
  };
  const lt = c.lower_third || {};
  const person = el("input", { id: `${id}-lt-name`, type: "text", value: lt.name || "",
                               autocomplete: "off", "aria-describedby": `${id}-lt-hint` });
  const role = el("input", { id: `${id}-lt-role`, type: "text", value: lt.role || "",
                             autocomplete: "off" });
  const secs = el("input", { id: `${id}-lt-seconds`, type: "number", min: 0.5, max: 30,
                             step: 0.5, value: String(lt.seconds ?? 4) });
  const setLowerThird = () => {
    const who = person.value.trim();
    const s = readNumber(secs);
    c.lower_third = who ? { name: who, role: role.value.trim() || null,
                            seconds: s == null || s === undefined ? 4 : s } : null;
    editChanged();
  };
  for (const input of [person, role, secs]) input.addEventListener("change", setLowerThird);
  const move = (delta) => moveClip(i, delta);
  return el("li", { class: "clip", "data-index": i },
    el("h5", { text: `${name} von ${n}: ${c.file}` }),
    el("div", { class: "clip-grid" },
      el("div", { class: "clip-player" }, player, note),
      el("div", {},
        el("div", { class: "trim" },
          el("label", { for: `${id}-start`, text: "Anfang (Sekunden)" }), start,
          el("button", { type: "button", class: "secondary", "aria-label": `Anfang hier (${name})`,
                         onclick: () => here("start", start) }, "Anfang hier"),
          el("label", { for: `${id}-end`, text: "Ende (Sekunden)" }), end,
          el("button", { type: "button", class: "secondary", "aria-label": `Ende hier (${name})`,
                         onclick: () => here("end", end) }, "Ende hier")),
        el("p", { class: "hint", id: `${id}-end-hint`,
                  text: "Ende leer lassen: der Clip läuft bis zum Schluss." }),
        used,
        el("fieldset", {},
          el("legend", { text: "Bauchbinde (eingeblendeter Name, freiwillig)" }),
          el("label", { for: `${id}-lt-name`, text: "Person" }), person,
          el("p", { class: "hint", id: `${id}-lt-hint`,
                    text: "z. B. Erika Muster; leer lassen: keine Bauchbinde." }),
          el("label", { for: `${id}-lt-role`, text: "Funktion" }), role,
          el("label", { for: `${id}-lt-seconds`, text: "Dauer der Einblendung (Sekunden)" }), secs),
        el("div", { class: "row" },
          el("button", { type: "button", class: "secondary", id: `${id}-up`, disabled: i === 0,
                         "aria-label": `${name} nach oben`, onclick: () => move(-1) }, "Nach oben"),
          el("button", { type: "button", class: "secondary", id: `${id}-down`,
                         disabled: i === n - 1, "aria-label": `${name} nach unten`,
                         onclick: () => move(1) }, "Nach unten"),
          n > 1 ? el("button", { type: "button", class: "secondary",
                                 "aria-label": `${name} aus diesem Video entfernen`,
                                 onclick: () => removeClip(i) }, "Entfernen") : ""))));
}

function moveClip(i, delta) {
  const clips = state.edit.clips;
  const j = i + delta;
  if (j < 0 || j >= clips.length) return;
  [clips[i], clips[j]] = [clips[j], clips[i]];
  drawEdit();
  // Keep the focus on the clip that moved: on the same button, or the other one at an end.
  const same = $(`clip-${j}-${delta < 0 ? "up" : "down"}`);
  (same.disabled ? $(`clip-${j}-${delta < 0 ? "down" : "up"}`) : same).focus();
  editChanged(`${clips[j].file} ist jetzt Clip ${j + 1} von ${clips.length} – noch nicht gespeichert.`);
}

function removeClip(i) {
  const [gone] = state.edit.clips.splice(i, 1);
  drawEdit();
  $("add-clip").focus();
  editChanged(`${gone.file} aus diesem Video entfernt – noch nicht gespeichert.`);
}

function addClip() {
  const found = state.edit.footage.find((f) => f.file === $("add-clip").value);
  if (!found) return;
  const n = state.edit.clips.push({ file: found.file, start: 0, end: null, lower_third: null,
                                    duration: null, url: found.url });
  drawEdit();
  editChanged(`${found.file} als Clip ${n} angehängt – noch nicht gespeichert.`);
}

async function saveEdit() {
  const v = state.edit;
  const body = { name: v.name, title: $("video-title").value.trim(),
    faces: $("video-faces").value || null,
    clips: v.clips.map((c) => ({ file: c.file, start: c.start, end: c.end,
                                 lower_third: c.lower_third })) };
  try {
    state.edit = await api("PUT", videoPath(), body);
    state.editDirty = false;
    drawEdit();
    say("edit-message", state.edit.captions_stale ? `Gespeichert. ${STALE}`
      : "Gespeichert. Rendern Sie neu, damit das Video die Änderung zeigt.");
    await refreshJob();
  } catch (e) {
    say("edit-message", e.message, true);
  }
}

async function retranscribe() {
  if (!window.confirm("Die Untertitel dieses Videos werden gelöscht – mit allen Korrekturen – " +
                      "und beim nächsten Rendern neu erkannt. Fortfahren?")) return;
  try {
    await api("POST", `${videoPath()}/retranscribe`, {});
    $("stale").hidden = true;
    if (state.edit) state.edit.captions_stale = false;
    say("edit-message", "Die Untertitel werden beim nächsten Rendern neu erkannt.");
    $("video-title").focus();
    await Promise.all([loadCaptions(), refreshJob()]);
  } catch (e) {
    say("edit-message", e.message, true);
  }
}

// --- start -----------------------------------------------------------------------------------

function route() {
  const m = location.hash.match(/^#job=(.+)$/);
  if (m) openJob(decodeURIComponent(m[1])).catch((e) => {
    $("job-errors").replaceChildren(el("li", { text: e.message }));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("new-job").addEventListener("submit", createJob);
  $("render-fast").addEventListener("click", () => render(true));
  $("render-full").addEventListener("click", () => render(false));
  $("save").addEventListener("click", save);
  $("reload").addEventListener("click", () => loadCaptions());
  $("approve").addEventListener("click", toggleApprove);
  $("player").addEventListener("timeupdate", highlight);
  $("video-title").addEventListener("input", () => editChanged());
  $("video-faces").addEventListener("change", () => editChanged());
  $("save-edit").addEventListener("click", saveEdit);
  $("reload-edit").addEventListener("click", loadEdit);
  $("add-clip-button").addEventListener("click", addClip);
  $("retranscribe").addEventListener("click", retranscribe);
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (e) => {
    if (state.dirty || state.editDirty) e.preventDefault();
  });
  setUpDrop();
  Promise.all([loadJobs(), loadForm()]).then(route);
});
