// High Volume: keeps the progress panel current by polling the job's status, without
// reloading the page. Screen readers hear the milestones (queued, started, each quarter,
// finished with its counts), not every second's figures. When the job ends: the
// server-rendered banner is shown, DONE and the failed records are offered, and the Loaded
// Recipients table below is fetched again, since the job has just added to it.
(function () {
  "use strict";
  var panel = document.getElementById("job-panel");
  if (!panel || panel.hasAttribute("data-finished")) return;
  var url = panel.getAttribute("data-status-url");
  var announcer = document.getElementById("job-announcer");
  var announced = null;

  function count(value) {
    // "2,992", as the server renders the same figures (|intcomma).
    return Number(value).toLocaleString("en-US");
  }

  function text(id, value) {
    var element = document.getElementById(id);
    if (element) element.textContent = value;
  }

  function milestone(job) {
    if (job.finished) return "finished";
    if (job.status === "queued") return "queued";
    return "quarter-" + Math.floor(job.percent / 25);
  }

  function announce(job, banner) {
    var reached = milestone(job);
    if (reached === announced) return;
    announced = reached;
    var message;
    if (reached === "finished") message = banner.textContent;
    else if (reached === "queued") message = job.file_name + " is waiting to be processed.";
    else if (reached === "quarter-0") message = "Processing " + job.file_name + " started.";
    else message = job.percent + "% processed: " + count(job.processed) + " of " + count(job.rows) + " rows.";
    announcer.textContent = message.replace(/\s+/g, " ").trim();
  }

  function showBanner(job) {
    // The banner comes rendered by the server: its wording lives in one template. It
    // replaces the hidden one whole, so its style and data-outcome are the job's outcome
    // (success, warning when some rows failed, error when none was created).
    var banner = document.getElementById("job-banner");
    var holder = document.createElement("template");
    holder.innerHTML = job.banner_html.trim();
    var rendered = holder.content.firstElementChild;
    banner.replaceWith(rendered);
    rendered.hidden = false;
    return rendered;
  }

  function refocus(container, previous) {
    // What had focus in the old table, found again in the new one (the same link or
    // field), else the table's heading: focus never falls back to the top of the page.
    var again = null;
    if (previous.id) again = container.querySelector("#" + CSS.escape(previous.id));
    else if (previous.getAttribute("href")) {
      var href = previous.getAttribute("href");
      again = Array.prototype.find.call(container.querySelectorAll("a[href]"), function (link) {
        return link.getAttribute("href") === href;
      });
    }
    if (!again) {
      again = container.querySelector("h2");
      again.setAttribute("tabindex", "-1");
    }
    again.focus();
  }

  function refreshRecipients() {
    var heading = document.getElementById("loaded-recipients-title");
    if (!heading) return;
    var source = panel.getAttribute("data-recipients-url") + window.location.search;
    fetch(source, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var old = heading.closest("section");
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.querySelector("section");
        if (!old || !fresh) return;
        var focused = old.contains(document.activeElement) ? document.activeElement : null;
        old.replaceWith(fresh);
        if (focused) refocus(fresh, focused);
      })
      .catch(function () {
        // The table stays as it was; the next visit shows it complete.
      });
  }

  function show(job) {
    var progress = document.getElementById("job-progress");
    progress.value = job.percent;
    progress.textContent = job.percent + "%";
    text("job-title", job.heading);
    text("job-help", job.help);
    text("job-status", job.status_label);
    text("job-processed", count(job.processed));
    text("job-rows", count(job.rows));
    text("job-created", count(job.created));
    text("job-failed", count(job.failed));
    text("job-eta", job.eta_seconds === null ? "" : "· about " + job.eta_seconds + " s left");
    if (!job.finished) {
      announce(job, null);
      return false;
    }
    announce(job, showBanner(job));
    var download = document.getElementById("job-error-file");
    if (job.error_file_url) {
      download.href = job.error_file_url;
      download.hidden = false;
    }
    var done = document.getElementById("job-done-form");
    if (done) done.hidden = false;
    refreshRecipients();
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

  poll();
})();
