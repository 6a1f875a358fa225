// Genie pages work without JavaScript; this file only adds live job progress, busy buttons, forms that
// submit themselves when a value changes (servings on a recipe card), and the streamed recipe writer.
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

async function generateRecipe(form) {
  const button = form.querySelector("button[type=submit]");
  const live = document.getElementById("generate-live");
  const statusList = document.getElementById("generate-status");
  const text = document.getElementById("generate-text");
  const error = document.getElementById("generate-error");
  const card = document.getElementById("generate-card");
  const fields = new FormData(form);
  const body = {
    use: String(fields.get("use") || "").split(",").map((s) => s.trim()).filter(Boolean),
    servings: Number(fields.get("servings") || 2),
  };
  const say = (line) => {
    const item = document.createElement("li");
    item.textContent = line;
    statusList.append(item);
  };
  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
  };
  button.disabled = true;
  button.textContent = "Writing…";
  statusList.replaceChildren();
  text.textContent = "";
  card.replaceChildren();
  error.hidden = true;
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
      else if (event === "text") text.textContent += data;
      else if (event === "error") fail(JSON.parse(data).message);
      else if (event === "recipe") {
        const result = JSON.parse(data);
        const page = await fetch(`/kitchen/recipes/${result.recipe_id}/card`);
        card.innerHTML = await page.text();  // rendered (and escaped) by the server
        card.dataset.recipe = result.recipe_id;
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
      generateRecipe(generator);
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
