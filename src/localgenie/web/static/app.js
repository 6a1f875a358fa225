// Genie pages work without JavaScript; this file only adds live job progress, busy buttons, forms that
// submit themselves when a value changes (servings on a recipe card), and the streamed recipe writer and
// extraction (the object shown as it forms, field by field).
"use strict";

function watchJob(box) {
  const source = new EventSource(box.dataset.events);
  const bar = document.getElementById("progress");
  const status = document.getElementById("status");
  const stage = document.getElementById("stage");
  source.addEventListener("progress", (event) => {
    const job = JSON.parse(event.data);
    bar.value = job.progress;
    status.textContent = job.status;
    stage.textContent = job.stage_name + (job.total > 1 ? ` ${job.done}/${job.total}` : "");
    box.dataset.status = job.status;
  });
  source.addEventListener("end", () => {
    source.close();
    window.location.reload();  // the server renders the finished report
  });
  source.onerror = () => {
    // The browser reconnects on its own; if the server is gone for good, a reload shows the stored state.
    if (source.readyState === EventSource.CLOSED) window.setTimeout(() => window.location.reload(), 3000);
  };
}

// Server-sent events from a POST (EventSource only does GET): split the body into events as it arrives.
async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\r\n/g, "\n");  // the server sends \n; a proxy may not
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { event: "message", data: [] };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;  // keep-alive ping
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event.event = text;
        else if (field === "data") event.data.push(text);
      }
      if (event.data.length) yield { event: event.event, data: event.data.join("\n") };
    }
  }
}

// ---- the object as it grows: `partial` events ({attempt, value, complete, partial}, JSON pointers)

function escapePointer(key) {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescapePointer(part) {
  return part.replace(/~1/g, "/").replace(/~0/g, "~");
}

// The next segment of `writing` below `pointer`, when the value being written sits under it.
function childBeingWritten(writing, pointer) {
  if (writing === null || !writing.startsWith(pointer + "/")) return null;
  return unescapePointer(writing.slice(pointer.length + 1).split("/")[0]);
}

function placeholder(tag) {
  const node = document.createElement(tag);
  node.className = "writing";
  node.textContent = "…";
  return node;
}

// A field list built with textContent only (values come from a model: never parsed as HTML).
function renderValue(value, pointer, complete, writing) {
  const mark = (node, path) => {
    node.dataset.path = path;
    if (complete.has(path)) node.classList.add("complete");
    if (writing !== null && (writing === path || writing.startsWith(path + "/"))) node.classList.add("writing");
    return node;
  };
  if (Array.isArray(value)) {
    const list = document.createElement("ol");
    list.className = "fields";
    value.forEach((item, index) => {
      const path = `${pointer}/${index}`;
      list.append(mark(wrap("li", renderValue(item, path, complete, writing)), path));
    });
    const next = childBeingWritten(writing, pointer);
    if (next !== null && Number(next) >= value.length) list.append(placeholder("li"));
    return list;
  }
  if (value !== null && typeof value === "object") {
    const list = document.createElement("dl");
    list.className = "fields";
    for (const [key, item] of Object.entries(value)) {
      const path = `${pointer}/${escapePointer(key)}`;
      const term = document.createElement("dt");
      term.textContent = key;
      list.append(term, mark(wrap("dd", renderValue(item, path, complete, writing)), path));
    }
    const next = childBeingWritten(writing, pointer);
    if (next !== null && !(next in value)) {
      const term = document.createElement("dt");
      term.textContent = next;
      list.append(term, placeholder("dd"));
    }
    return list;
  }
  const leaf = document.createElement("span");
  leaf.textContent = typeof value === "string" ? value : JSON.stringify(value);
  return leaf;
}

function wrap(tag, child) {
  const node = document.createElement(tag);
  node.append(child);
  return node;
}

// Where the model is writing, in words ("/address/city" → "writing address › city").
function describeWriting(pointer) {
  if (pointer === null) return "";
  if (pointer === "") return "starting…";
  const parts = pointer.split("/").slice(1).map(unescapePointer).map((p) => (/^\d+$/.test(p) ? `#${Number(p) + 1}` : p));
  return `writing ${parts.join(" › ")}…`;
}

// ---- the Extract page: the form's run, streamed, then its kept page

async function extractLive(form) {
  const live = document.getElementById("live");
  const fields = document.getElementById("live-fields");
  const status = document.getElementById("live-status");
  const attemptLabel = document.getElementById("live-attempt");
  const writing = document.getElementById("live-writing");
  const error = document.getElementById("live-error");
  const say = (line) => {
    const item = document.createElement("li");
    item.textContent = line;
    status.append(item);
  };
  live.hidden = false;
  fields.replaceChildren();
  status.replaceChildren();
  error.hidden = true;
  let response;
  try {
    response = await fetch(form.dataset.stream, {
      method: "POST",
      headers: { Accept: "text/event-stream" },
      body: new URLSearchParams(new FormData(form)),
    });
  } catch (exc) {
    form.submit();  // the plain way still works (and says what went wrong)
    return;
  }
  if (!response.ok) {
    form.submit();  // refused at once (bad schema, busy model): the plain form shows the reason
    return;
  }
  if (!(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
    window.location.assign(response.url);  // kept at once (the text was refused): show that run
    return;
  }
  try {
    for await (const { event, data } of readEvents(response)) {
      if (event === "status") say(data);
      else if (event === "partial") {
        const partial = JSON.parse(data);
        live.dataset.attempt = String(partial.attempt);
        attemptLabel.textContent = partial.attempt > 1 ? `attempt ${partial.attempt}` : "";
        if (partial.chunk) {  // a long text, read in chunks: which one, of how many
          const part = `chunk ${partial.chunk.index} of ${partial.chunk.of}`;
          attemptLabel.textContent = attemptLabel.textContent ? `${part}, ${attemptLabel.textContent}` : part;
        }
        fields.replaceChildren(renderValue(partial.value, "", new Set(partial.complete), partial.partial));
        writing.textContent = describeWriting(partial.partial);
      } else if (event === "stage") {
        const stage = JSON.parse(data);
        say(`${stage.stage}'s answer was not kept (${stage.reasons.join("; ")}): asking ${stage.next}`);
      } else if (event === "retry") {
        const retry = JSON.parse(data);
        const why = retry.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join("; ");
        say(`attempt ${retry.attempt - 1} was not valid (${why}): trying again`);
      } else if (event === "done") {
        window.location.assign(JSON.parse(data).url);  // the kept run, as the form would show it
        return;
      } else if (event === "error") {
        error.textContent = JSON.parse(data).message;
        error.hidden = false;
      }
    }
  } catch (exc) {
    error.textContent = `the connection failed: ${exc}`;
    error.hidden = false;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = false;
  button.textContent = "Extract";
}

// ---- the recipe writer: the recipe as it forms, and a way to ask again when it fails

let recipeVariant = 0;  // 0: the reproducible first try; each "try again" asks for another

function recipeWriting(pointer) {
  if (pointer === null) return "";
  const [field, index] = pointer.split("/").slice(1);
  if (!field) return "starting…";
  const nth = index === undefined ? "" : ` ${Number(index) + 1}`;
  if (field === "ingredients") return nth ? `writing ingredient${nth}…` : "writing the ingredients…";
  if (field === "steps") return nth ? `writing step${nth}…` : "writing the method…";
  if (field === "total_time_min") return "writing the time it takes…";
  return `writing the ${field.replace(/_/g, " ")}…`;
}

function showRecipeSoFar(partial) {
  const recipe = partial.value || {};
  const complete = new Set(partial.complete);
  const at = partial.partial;
  const preview = document.getElementById("generate-preview");
  preview.dataset.attempt = String(partial.attempt);
  document.getElementById("preview-title").textContent = recipe.title || "";
  const meta = [];
  if (recipe.servings) meta.push(`serves ${recipe.servings}`);
  if (recipe.total_time_min) meta.push(`${recipe.total_time_min} min`);
  document.getElementById("preview-meta").textContent = meta.join(" · ");
  const ingredients = (recipe.ingredients || []).map((ingredient, index) => {
    const item = document.createElement("li");
    const amount = [ingredient.quantity, ingredient.unit].filter((v) => v !== undefined && v !== null);
    item.textContent = [...amount, ingredient.name].filter((v) => v !== undefined).join(" ") || "…";
    item.dataset.path = `/ingredients/${index}`;
    if (!complete.has(item.dataset.path)) item.classList.add("writing");
    return item;
  });
  if (at !== null && /^\/ingredients\/\d+$/.test(at) && !recipe.ingredients?.[Number(at.split("/")[2])]) {
    ingredients.push(placeholder("li"));
  }
  document.getElementById("preview-ingredients").replaceChildren(...ingredients);
  const steps = (recipe.steps || []).map((step, index) => {
    const item = document.createElement("li");
    item.textContent = step;
    item.dataset.path = `/steps/${index}`;
    return item;
  });
  if (at !== null && /^\/steps\/\d+$/.test(at)) steps.push(placeholder("li"));
  document.getElementById("preview-steps").replaceChildren(...steps);
  document.getElementById("preview-tips").textContent = (recipe.tips || []).map((t) => `Tip: ${t}`).join(" ");
  document.getElementById("preview-writing").textContent = recipeWriting(at);
}

async function generateRecipe(form) {
  const button = form.querySelector("button[type=submit]");
  const live = document.getElementById("generate-live");
  const statusList = document.getElementById("generate-status");
  const preview = document.getElementById("generate-preview");
  const failed = document.getElementById("generate-failed");
  const error = document.getElementById("generate-error");
  const retry = document.getElementById("generate-retry");
  const card = document.getElementById("generate-card");
  const fields = new FormData(form);
  const body = {
    use: String(fields.get("use") || "").split(",").map((s) => s.trim()).filter(Boolean),
    servings: Number(fields.get("servings") || 2),
    variant: recipeVariant,
  };
  const say = (line) => {
    const item = document.createElement("li");
    item.textContent = line;
    statusList.append(item);
  };
  const fail = (message) => {
    error.textContent = message;
    failed.hidden = false;
    retry.disabled = false;
  };
  button.disabled = true;
  retry.disabled = true;
  button.textContent = "Writing…";
  statusList.replaceChildren();
  showRecipeSoFar({ value: {}, complete: [], partial: null, attempt: 0 });
  preview.hidden = false;
  card.replaceChildren();
  failed.hidden = true;
  live.hidden = false;
  try {
    const response = await fetch("/api/kitchen/generate", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      fail(problem.message || `the server answered ${response.status}`);
      return;
    }
    for await (const { event, data } of readEvents(response)) {
      if (event === "status") say(data);
      else if (event === "partial") showRecipeSoFar(JSON.parse(data));
      else if (event === "error") {
        preview.hidden = true;  // an unfinished recipe is no use to a cook: the reason is
        fail(JSON.parse(data).message);
      } else if (event === "recipe") {
        const result = JSON.parse(data);
        const page = await fetch(`/kitchen/recipes/${result.recipe_id}/card`);
        card.innerHTML = await page.text();  // rendered (and escaped) by the server
        card.dataset.recipe = result.recipe_id;
        preview.hidden = true;  // the card shows it all now
      }
    }
  } catch (exc) {
    fail(`the connection failed: ${exc}`);
  } finally {
    button.disabled = false;
    button.textContent = "Generate";
  }
}

// A live count under a text box with a limit: the server refuses more (and gives the text back), but
// the user should see it coming while typing or pasting, not after pressing the button.
function countCharacters(area) {
  const count = document.getElementById(area.getAttribute("aria-describedby"));
  const limit = Number(area.dataset.limit);
  const show = () => {
    const length = area.value.length;
    const over = length - limit;
    count.textContent = over > 0
      ? `${length.toLocaleString("en")} characters: ${over.toLocaleString("en")} over the limit of ${limit.toLocaleString("en")}`
      : `${length.toLocaleString("en")} of at most ${limit.toLocaleString("en")} characters`;
    count.classList.toggle("over", over > 0);
  };
  area.addEventListener("input", show);
  show();
}

// A report frame as tall as the report, so the page scrolls, not a small box inside it.  Without this
// script the frame keeps its CSS height and scrolls, and the report is one click away on its own page.
function fitFrame(frame) {
  const fit = () => {
    const doc = frame.contentDocument;
    if (doc && doc.documentElement) frame.style.height = `${doc.documentElement.scrollHeight + 2}px`;
  };
  const watch = () => {
    fit();
    const body = frame.contentDocument && frame.contentDocument.body;
    if (body && window.ResizeObserver) new ResizeObserver(fit).observe(body);  // <details>, resizes
  };
  frame.addEventListener("load", watch);
  const doc = frame.contentDocument;
  if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") watch();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const frame of document.querySelectorAll("iframe[data-fit]")) fitFrame(frame);
  const generator = document.getElementById("generate-form");
  if (generator) {
    generator.addEventListener("submit", (event) => {
      event.preventDefault();
      recipeVariant = 0;
      generateRecipe(generator);
    });
    document.getElementById("generate-retry").addEventListener("click", () => {
      recipeVariant += 1;  // the same request again would write the same loop: ask for another try
      generateRecipe(generator);
    });
  }
  const extractor = document.getElementById("extract-form");
  if (extractor) {
    extractor.addEventListener("submit", (event) => {
      // A text over its limit goes the plain way: the server shows the form again with the reason.
      const over = [...extractor.querySelectorAll("textarea[data-limit]")].some(
        (area) => area.value.length > Number(area.dataset.limit));
      if (over) return;
      event.preventDefault();
      extractLive(extractor);
    });
  }
  const box = document.querySelector("[data-events]");
  if (box) watchJob(box);
  for (const area of document.querySelectorAll("textarea[data-limit]")) countCharacters(area);
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", () => form.requestSubmit());
  }
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) {
        button.textContent = form.dataset.busy;
        // Disable after the submit has captured the form data.
        window.setTimeout(() => { button.disabled = true; }, 0);
      }
    });
  }
});
