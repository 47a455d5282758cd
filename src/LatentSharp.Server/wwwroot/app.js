// The LatentSharp web page: a form that posts to the AUTOMATIC1111-compatible API, per-task progress with live
// previews from /internal/progress, and a gallery of results. Plain JavaScript, no dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("form");
const POLL_MS = 400;

init();

async function init() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    generate();
  });
  $("interrupt").addEventListener("click", () => fetch("sdapi/v1/interrupt", { method: "POST" }));
  $("random-seed").addEventListener("click", () => { $("seed").value = -1; });
  $("prompt").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  await Promise.all([loadSamplers(), loadModel()]);
}

async function loadSamplers() {
  const response = await fetch("sdapi/v1/samplers");
  if (!response.ok) return;
  const select = $("sampler_name");
  for (const sampler of await response.json()) select.add(new Option(sampler.name, sampler.name));
}

async function loadModel() {
  const response = await fetch("sdapi/v1/sd-models");
  if (!response.ok) return;
  const models = await response.json();
  if (models.length > 0) $("model").textContent = `model: ${models[0].model_name}`;
}

/** The form as an A1111 txt2img request; empty size fields mean the model's own size. */
function readRequest() {
  const number = (id) => Number($(id).value);
  const request = {
    prompt: $("prompt").value,
    negative_prompt: $("negative_prompt").value,
    sampler_name: $("sampler_name").value || null,
    steps: number("steps"),
    cfg_scale: number("cfg_scale"),
    seed: $("seed").value === "" ? -1 : number("seed"),
    batch_size: number("batch_size"),
  };
  for (const side of ["width", "height"]) if ($(side).value !== "") request[side] = number(side);
  return request;
}

async function generate() {
  const request = readRequest();
  if (!request.prompt.trim()) {
    showError("Write a prompt first.", "prompt");
    return;
  }
  const taskId = `task(${crypto.randomUUID ? crypto.randomUUID() : Date.now()})`;
  setBusy(true);
  showError(null);
  const progress = watchProgress(taskId);
  try {
    const response = await fetch("sdapi/v1/txt2img", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...request, force_task_id: taskId }),
    });
    const body = await response.json().catch(() => ({}));
    progress.stop();   // first, so a late poll cannot put a preview over what follows
    if (!response.ok) {
      $("preview-frame").hidden = true;
      showError(body.detail || `The server answered ${response.status}.`, body.field);
      return;
    }
    const info = JSON.parse(body.info);
    body.images.forEach((image, i) => addToGallery(image, info.infotexts[i], info.all_seeds[i], request));
    if (body.images.length > 0) showLatest(body.images[0], info.all_seeds[0]);
    else $("preview-frame").hidden = true;
  } catch (error) {
    $("preview-frame").hidden = true;
    showError(`Could not reach the server: ${error.message}`);
  } finally {
    progress.stop();
    setBusy(false);
  }
}

/** Polls the task's progress until stopped, showing the queue position, the bar and newer previews. */
function watchProgress(taskId) {
  let previewId = -1;
  let stopped = false;
  let timer = null;
  const poll = async () => {
    try {
      const response = await fetch("internal/progress", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id_task: taskId, id_live_preview: previewId, live_preview: true }),
      });
      if (response.ok && !stopped) {
        const p = await response.json();
        showProgress(p);
        if (p.live_preview) {
          $("preview").src = p.live_preview;
          $("preview-caption").textContent = "Live preview";
          $("preview-frame").hidden = false;
        }
        if (p.id_live_preview != null) previewId = p.id_live_preview;
      }
    } finally {
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
  };
  poll();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      $("progress").hidden = true;
    },
  };
}

function showProgress(p) {
  $("progress").hidden = false;
  $("idle").hidden = true;
  const fraction = p.progress ?? 0;
  $("progress-fill").style.width = `${Math.round(fraction * 100)}%`;
  const eta = p.eta != null && fraction > 0 ? ` · about ${Math.max(0, Math.ceil(p.eta))} s left` : "";
  $("progress-text").textContent = p.queued
    ? `Waiting in the queue (position ${p.queue_position})`
    : `${p.textinfo || "Starting…"}${eta}`;
}

/** Keeps the newest result in view where the preview was. */
function showLatest(base64, seed) {
  $("preview").src = `data:image/png;base64,${base64}`;
  $("preview-caption").textContent = `Latest result · seed ${seed}`;
  $("preview-frame").hidden = false;
}

function addToGallery(base64, infotext, seed, request) {
  const card = $("card-template").content.firstElementChild.cloneNode(true);
  const url = `data:image/png;base64,${base64}`;
  card.querySelector(".result").src = url;
  card.querySelector(".result").alt = request.prompt;
  card.querySelector(".image-link").href = url;
  card.querySelector(".card-prompt").textContent = request.prompt;
  card.querySelector(".card-params").textContent = infotext.split("\n").slice(1).join("\n");
  const download = card.querySelector(".download");
  download.href = url;
  download.download = `latentsharp-${seed}.png`;
  card.querySelector(".reuse-seed").addEventListener("click", () => { $("seed").value = seed; $("seed").focus(); });
  card.querySelector(".reuse-all").addEventListener("click", () => fillForm(request, seed));
  $("gallery").prepend(card);
}

function fillForm(request, seed) {
  $("width").value = $("height").value = "";
  for (const [key, value] of Object.entries(request)) {
    const field = $(key);
    if (field) field.value = value ?? "";
  }
  $("seed").value = seed;
  $("batch_size").value = 1;
  $("prompt").focus();
}

function setBusy(busy) {
  $("generate").disabled = busy;
  $("generate").textContent = busy ? "Generating…" : "Generate";
  $("interrupt").hidden = !busy;
  if (!busy) $("idle").hidden = !$("preview-frame").hidden;
}

/** Shows a message (null clears it) and marks the form field the server named, if any. */
function showError(message, field) {
  for (const element of form.querySelectorAll(".invalid")) element.classList.remove("invalid");
  $("error").hidden = !message;
  $("error").textContent = message || "";
  const input = field && $(field);
  if (input) {
    input.classList.add("invalid");
    input.focus();
  }
}
