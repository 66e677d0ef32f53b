// affectlab's page: calls the same REST API a program would, and draws the shared record.
"use strict";
const $ = (id) => document.getElementById(id);
const BATCH = 32;

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const token = $("token").value.trim();
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

async function call(path, init) {
  const res = await fetch(path, init);
  let body;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && body.error ? body.error.message : res.status + " " + res.statusText;
    throw new Error(msg);
  }
  return body;
}

function message(text, isError) {
  const m = $("message");
  m.textContent = text || "";
  m.className = isError ? "error" : "";
}

function show(record) {
  $("result-source").textContent = record.source ? "(" + String(record.source).slice(0, 60) + ")" : "";
  const bars = $("bars");
  bars.replaceChildren();
  const probs = Object.entries(record.probs || {}).filter(([, p]) => p !== null)
    .sort((a, b) => b[1] - a[1]).slice(0, 12);
  const chosen = new Set(record.labels || []);
  for (const [label, p] of probs) {
    const row = document.createElement("div");
    row.className = "bar" + (chosen.has(label) ? " chosen" : "");
    row.dataset.label = label;
    row.dataset.p = p;
    const name = document.createElement("span"); name.textContent = label;
    const track = document.createElement("div"); track.className = "track";
    const fill = document.createElement("div"); fill.className = "fill";
    fill.style.width = Math.round(p * 1000) / 10 + "%";
    track.append(fill);
    const val = document.createElement("span"); val.className = "p"; val.textContent = p.toFixed(2);
    row.append(name, track, val);
    bars.append(row);
  }
  const pt = $("point");
  if (record.valence !== null && record.valence !== undefined && record.arousal !== null
      && record.arousal !== undefined) {
    pt.setAttribute("cx", (record.valence * 100).toFixed(1));
    pt.setAttribute("cy", (-record.arousal * 100).toFixed(1));
    pt.setAttribute("visibility", "visible");
    $("vad").textContent = "valence " + record.valence.toFixed(2) + ", arousal " + record.arousal.toFixed(2)
      + (record.dominance !== null && record.dominance !== undefined ? ", dominance " + record.dominance.toFixed(2) : "");
  } else {
    pt.setAttribute("visibility", "hidden");
    $("vad").textContent = "";
  }
  message(record.status === "ok" ? "top: " + record.top : record.status + ": " + (record.error || ""),
          record.status !== "ok" && record.status !== "truncated");
  $("json").textContent = JSON.stringify(record, null, 1);
}

async function analyseText() {
  message("analysing ...");
  try {
    const body = {text: $("text").value};
    if ($("scheme").value) body.scheme = $("scheme").value;
    const out = await call("v1/text", {method: "POST", headers: headers(true), body: JSON.stringify(body)});
    show(out.records[0]);
  } catch (e) { message(e.message, true); }
}

// CSV: RFC 4180 quoting (quoted fields may hold commas, quotes and new lines).
function parseCSV(text) {
  const rows = []; let row = []; let field = ""; let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false; }
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function toCSV(rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  return rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

async function annotateCSV() {
  const file = $("csv").files[0];
  const status = $("csv-status");
  $("csv-download").hidden = true;
  if (!file) { status.textContent = "choose a CSV file first"; return; }
  const rows = parseCSV(await file.text());
  if (rows.length < 2) { status.textContent = "the file has no data row"; return; }
  const head = rows[0]; const data = rows.slice(1);
  const col = head.indexOf($("column").value);
  if (col < 0) { status.textContent = "no column '" + $("column").value + "' (columns: " + head.join(", ") + ")"; return; }
  const scheme = $("scheme").value;
  const out = []; let labelNames = null;
  $("csv-progress").max = data.length; $("csv-progress").value = 0;
  try {
    for (let i = 0; i < data.length; i += BATCH) {
      const part = data.slice(i, i + BATCH);
      const body = {texts: part.map((r) => (r[col] === undefined ? "" : r[col]))};
      if (scheme) body.scheme = scheme;
      const res = await call("v1/text", {method: "POST", headers: headers(true), body: JSON.stringify(body)});
      res.records.forEach((rec, k) => {
        if (!labelNames) labelNames = Object.keys(rec.probs || {});
        out.push(part[k].concat([rec.status, rec.top, (rec.labels || []).join(";"), rec.valence,
          rec.arousal, rec.dominance], labelNames.map((l) => rec.probs[l])));
      });
      $("csv-progress").value = Math.min(i + BATCH, data.length);
      status.textContent = out.length + " / " + data.length + " rows";
    }
  } catch (e) { status.textContent = "stopped: " + e.message; status.className = "error"; return; }
  const header = head.concat(["status", "top", "labels", "valence", "arousal", "dominance"],
                             (labelNames || []).map((l) => "p_" + l));
  const blob = new Blob([toCSV([header].concat(out))], {type: "text/csv"});
  const link = $("csv-download");
  link.href = URL.createObjectURL(blob);
  link.download = file.name.replace(/\.csv$/i, "") + "-emotions.csv";
  link.hidden = false;
  status.textContent = "done: " + out.length + " rows";
  status.className = "";
}

const KINDS = [[/\.(wav|flac|ogg|oga|mp3|aiff|aif)$/i, "audio"], [/\.(jpe?g|png|bmp|gif|tiff?|webp)$/i, "face"],
               [/\.(mid|midi)$/i, "music"], [/\.(mp4|mov|mkv|webm|m4v|avi)$/i, "video"]];

async function analyseFile(file) {
  const kind = (KINDS.find(([re]) => re.test(file.name)) || [null, null])[1];
  if (!kind) { message(file.name + ": not a sound, image or MIDI file", true); return; }
  message("analysing " + file.name + " ...");
  const form = new FormData();
  form.append("file", file, file.name);
  if ($("scheme").value && kind !== "music") form.append("scheme", $("scheme").value);
  try {
    const out = await call("v1/" + kind, {method: "POST", headers: headers(false), body: form});
    show(out.records[0]);
    $("json").textContent = JSON.stringify(out.records, null, 1);
  } catch (e) { message(e.message, true); }
}

function setup() {
  const saved = window.localStorage.getItem("affectlab-token");
  if (saved) $("token").value = saved;
  $("token").addEventListener("change", () => window.localStorage.setItem("affectlab-token", $("token").value));
  $("analyse").addEventListener("click", analyseText);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyseText(); });
  $("csv-run").addEventListener("click", annotateCSV);
  $("file").addEventListener("change", () => { if ($("file").files[0]) analyseFile($("file").files[0]); });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) analyseFile(e.dataTransfer.files[0]);
  });
}
setup();
