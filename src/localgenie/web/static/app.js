// Genie pages work without JavaScript; this file only adds live job progress, busy buttons and forms that
// submit themselves when a value changes (servings on a recipe card).
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

document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-events]");
  if (box) watchJob(box);
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
