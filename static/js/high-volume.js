// High Volume: keeps the progress panel current by polling the job's status, without
// reloading the page; shows the server-rendered banner when the job is done. DONE closes the panel.
(function () {
  "use strict";
  var panel = document.getElementById("job-panel");
  if (!panel) return;
  var url = panel.getAttribute("data-status-url");

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) element.textContent = value;
  }

  function show(job) {
    var progress = document.getElementById("job-progress");
    progress.value = job.percent;
    progress.textContent = job.percent + "%";
    text("job-status", job.status_label);
    text("job-processed", job.processed);
    text("job-rows", job.rows);
    text("job-created", job.created);
    text("job-failed", job.failed);
    text("job-eta", job.eta_seconds === null ? "" : "· about " + job.eta_seconds + " s left");
    if (!job.finished) return false;
    // The banner comes rendered by the server (its wording lives in one template); the
    // live region already on the page takes its class and content, so it is announced.
    var banner = document.getElementById("job-banner");
    var holder = document.createElement("template");
    holder.innerHTML = job.banner_html.trim();
    var rendered = holder.content.firstElementChild;
    // Its style is the job's outcome: success, warning (some rows failed) or error.
    banner.className = rendered.className;
    banner.setAttribute("data-outcome", rendered.getAttribute("data-outcome") || "");
    banner.innerHTML = rendered.innerHTML;
    banner.hidden = false;
    var download = document.getElementById("job-error-file");
    if (job.error_file_url) {
      download.href = job.error_file_url;
      download.hidden = false;
    }
    document.getElementById("job-done").classList.add("primary");
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        if (!show(job)) window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  var done = document.getElementById("job-done");
  done.addEventListener("click", function (event) {
    event.preventDefault();
    panel.hidden = true;
    history.replaceState(null, "", done.getAttribute("href"));
  });

  poll();
})();
