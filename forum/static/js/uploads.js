// Files in the composer: a button, drag and drop, and paste. Progressive enhancement: without
// JavaScript the file field travels with the form and the server adds the files to the post.
// Strict CSP: no inline script, no eval, no innerHTML.
//
// Markup it reads (uploads/_composer_tools.html, inside a form with textarea[name=body]):
//   .composer-files[data-upload-url]   POST target: answers {markdown, url, name} or {error}
//     [data-max-bytes]                 the member's per-file limit: larger files are refused here, unsent
//     [data-uploading-text] [data-waiting-text] [data-failed-text]
//                                      a file's line ({name}; {reason}: why it failed)
//     [data-image-too-large-text] [data-file-too-large-text]
//                                      refused before sending ({size}; the limit is already in the text)
//     [data-size-mb-text] [data-size-kb-text]
//                                      a size as the server writes it ({n}: the number, in the page's language)
//     [data-network-text] [data-too-large-text] [data-rate-limited-text] [data-expired-text]
//                                      why the server did not take a file when it answered no JSON
//                                      (no answer; 413; 429; a 400 page: the form's token expired)
//     [data-wait-text]                 said when the form is sent while files are still on their way
//   input.composer-files-input         the file field (emptied after each choice: the files are sent already)
//   ul.upload-progress                 one line per file: waiting, its progress, then nothing, or why it failed
//   .composer-files-status             (role=status) where data-wait-text is said, then
//                                      data-ready-text once the files a held send waited for are in
(function () {
  "use strict";

  // The server takes 30 uploads a minute per member: 40 dropped photos must not all leave at once.
  var MAX_IN_FLIGHT = 2;
  var MB = 1024 * 1024;

  var counter = 0;
  var waiting = [];  // files not sent yet, oldest first, from every composer on the page (one member, one limit)
  var inFlight = 0;

  function Uploader(box) {
    this.box = box;
    this.form = box.closest("form");
    this.body = this.form && this.form.querySelector("textarea[name=body]");
    this.input = box.querySelector(".composer-files-input");
    this.list = box.querySelector(".upload-progress");
    this.status = box.querySelector(".composer-files-status");
    this.pending = 0;  // this form's files waiting or on their way
    this.held = false;  // a send was stopped while files were on their way
    if (!this.form || !this.body || !this.input) { return; }
    var hint = box.querySelector(".composer-files-hint");
    if (hint) { hint.hidden = false; }
    box.classList.add("enhanced");
    var self = this;
    var form = this.form;
    this.input.addEventListener("change", function () {
      self.sendAll(self.input.files);
      self.input.value = "";  // sent now: the form must not send them again
    });
    // A file dropped anywhere on the form is uploaded (beside the box, on the button, on the
    // preview): the browser would otherwise open it in place of the page and lose the text.
    form.addEventListener("dragover", function (event) {
      if (!hasFiles(event.dataTransfer)) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      self.body.classList.add("dropping");
    });
    form.addEventListener("dragleave", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) { self.body.classList.remove("dropping"); }
    });
    form.addEventListener("drop", function (event) {
      self.body.classList.remove("dropping");
      if (!hasFiles(event.dataTransfer)) { return; }
      event.preventDefault();
      self.sendAll(event.dataTransfer.files);
    });
    this.body.addEventListener("paste", function (event) {
      var files = pastedFiles(event.clipboardData);
      if (!files.length) { return; }  // text pastes as text
      event.preventDefault();
      self.sendAll(files);
    });
    // Captured on window, so it runs before the autosave's and the page's own submit handlers:
    // a post sent now would carry "[Uploading …]" placeholders instead of the files.
    window.addEventListener("submit", function (event) {
      if (event.target !== form || !self.pending) { return; }
      event.preventDefault();
      event.stopPropagation();
      self.held = true;  // once the files are in, say so: the member sends again
      self.say(self.box.getAttribute("data-wait-text") || "");
    }, true);
    guardPage();
  }

  // With a composer on the page, a file dropped beside it must not replace the page (and the
  // member's text) with the file. It is not uploaded either: only the form takes files.
  var guarded = false;
  function guardPage() {
    if (guarded) { return; }
    guarded = true;
    document.addEventListener("dragover", function (event) {
      if (event.defaultPrevented || !hasFiles(event.dataTransfer)) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    });
    document.addEventListener("drop", function (event) {
      if (hasFiles(event.dataTransfer)) { event.preventDefault(); }
    });
  }

  function hasFiles(transfer) {
    return !!transfer && Array.prototype.indexOf.call(transfer.types || [], "Files") !== -1;
  }

  // Cells copied from a spreadsheet or a word processor come with a picture of them as well:
  // whenever the clipboard holds text, the member meant the text.
  function pastedFiles(data) {
    var files = [];
    if (!data || data.getData("text/plain")) { return files; }
    Array.prototype.forEach.call(data.items || [], function (item) {
      if (item.kind === "file") {
        var file = item.getAsFile();
        if (file) { files.push(file); }
      }
    });
    return files;
  }

  function say(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  // As the server's human_size (forum/uploads/limits.py): MB with one decimal below 10, else KB.
  function humanSize(box, size) {
    var lang = (document.documentElement.lang || "").replace(/_/g, "-");
    var number;
    try {
      number = new Intl.NumberFormat(lang || undefined, { maximumFractionDigits: 1 });
    } catch (e) {
      number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
    }
    if (size >= MB) {
      var value = size / MB;
      value = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
      return say(box.getAttribute("data-size-mb-text"), { n: number.format(value) });
    }
    return say(box.getAttribute("data-size-kb-text"), { n: number.format(Math.max(1, Math.round(size / 1024))) });
  }

  Uploader.prototype.say = function (text) {
    if (this.status && this.status.textContent !== text) { this.status.textContent = text; }
  };

  Uploader.prototype.sendAll = function (files) {
    var self = this;
    Array.prototype.forEach.call(files || [], function (file) { self.enqueue(file); });
    pump();
  };

  // A placeholder goes in at the caret at once, so the member keeps writing while the file travels.
  Uploader.prototype.insertPlaceholder = function (name) {
    counter += 1;
    var marker = "[" + say(this.box.getAttribute("data-uploading-text"), { name: name }) + " #" + counter + "]";
    var box = this.body;
    var start = box.selectionStart, end = box.selectionEnd;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    // Each file is a paragraph of its own: an attachment's link does not run into a photo.
    var lead = !before || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var text = lead + marker + (/^\n/.test(after) ? "\n" : "\n\n");
    box.value = before + text + after;
    box.selectionStart = box.selectionEnd = before.length + text.length;
    return marker;
  };

  Uploader.prototype.replacePlaceholder = function (marker, text) {
    var box = this.body;
    var at = box.value.indexOf(marker);
    if (at === -1) {  // the member deleted the placeholder: add the file at the end
      if (text) { box.value = (box.value.replace(/\s*$/, "") + "\n\n" + text + "\n\n").replace(/^\s+/, ""); }
    } else {
      // A file that failed takes its placeholder's paragraph (the line and the blank one) with it.
      var end = at + marker.length;
      while (!text && end < at + marker.length + 2 && box.value.charAt(end) === "\n") { end += 1; }
      var caret = box.selectionStart;
      box.value = box.value.slice(0, at) + text + box.value.slice(end);
      if (caret > at) { box.selectionStart = box.selectionEnd = Math.max(at, caret + text.length - (end - at)); }
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));  // the draft autosaves
  };

  Uploader.prototype.addLine = function (text) {
    var line = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = text;
    line.appendChild(label);
    if (this.list) { this.list.appendChild(line); }
    return line;
  };

  // A file too large for the member is refused here: sending it would only cost them the wait.
  Uploader.prototype.enqueue = function (file) {
    var name = file.name || "image.png";
    var limit = parseInt(this.box.getAttribute("data-max-bytes") || "", 10);
    if (limit > 0 && file.size > limit) {
      var image = /^image\//.test(file.type || "");
      var template = this.box.getAttribute(image ? "data-image-too-large-text" : "data-file-too-large-text");
      this.showFailure(this.addLine(""), name, say(template, { size: humanSize(this.box, file.size) }));
      return;
    }
    var line = this.addLine(say(this.box.getAttribute("data-waiting-text"), { name: name }));
    this.pending += 1;
    waiting.push({ uploader: this, file: file, name: name, marker: this.insertPlaceholder(name), line: line });
  };

  function pump() {
    while (inFlight < MAX_IN_FLIGHT && waiting.length) {
      inFlight += 1;
      var job = waiting.shift();
      job.uploader.send(job);
    }
  }

  Uploader.prototype.send = function (job) {
    var self = this;
    var line = job.line;
    line.firstChild.textContent = say(this.box.getAttribute("data-uploading-text"), { name: job.name });
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    line.appendChild(bar);

    var data = new FormData();
    data.append("csrf_token", this.form.querySelector("input[name=csrf_token]").value);
    data.append("file", job.file, job.name);
    var request = new XMLHttpRequest();
    request.open("POST", this.box.getAttribute("data-upload-url"));
    request.responseType = "json";  // null when the answer is a page (rate limit, expired form, too large)
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    // loadend comes once whatever happened (answer, network error, abort).
    request.addEventListener("loadend", function () {
      var answer = request.response;
      if (request.status === 200 && answer && answer.markdown) {
        self.replacePlaceholder(job.marker, answer.markdown);
        line.remove();
        self.refreshPreview();
      } else {
        self.replacePlaceholder(job.marker, "");
        self.showFailure(line, job.name, self.reason(request.status, answer));
      }
      inFlight -= 1;
      self.pending -= 1;
      if (!self.pending) {  // the form may be sent now
        self.say(self.held ? (self.box.getAttribute("data-ready-text") || "") : "");
        self.held = false;
      }
      pump();
    });
    request.send(data);
  };

  Uploader.prototype.reason = function (status, answer) {
    if (answer && typeof answer.error === "string" && answer.error) { return answer.error; }
    var attribute = "data-network-text";  // no answer (offline, server down) or one we cannot read
    if (status === 429) { attribute = "data-rate-limited-text"; }
    else if (status === 413) { attribute = "data-too-large-text"; }
    else if (status === 400) { attribute = "data-expired-text"; }  // the form's security token expired
    return this.box.getAttribute(attribute) || this.box.getAttribute("data-network-text");
  };

  Uploader.prototype.showFailure = function (line, name, reason) {
    while (line.firstChild) { line.removeChild(line.firstChild); }
    line.className = "error";
    line.setAttribute("role", "alert");
    line.textContent = say(this.box.getAttribute("data-failed-text"), { name: name, reason: reason });
  };

  // A preview on show is redrawn with the new file in it.
  Uploader.prototype.refreshPreview = function () {
    var preview = this.form.querySelector(".preview");
    var button = this.form.querySelector(".js-preview");
    if (preview && button && !preview.hidden) { button.click(); }
  };

  document.querySelectorAll(".composer-files[data-upload-url]").forEach(function (box) { new Uploader(box); });
})();
