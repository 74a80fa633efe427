// Files in the composer: a button, drag and drop, and paste. Progressive enhancement: without
// JavaScript the file field travels with the form and the server adds the files to the post.
// Strict CSP: no inline script, no eval, no innerHTML.
//
// Markup it reads (uploads/_composer_tools.html, inside a form with textarea[name=body]):
//   .composer-files[data-upload-url]   POST target: answers {markdown, url, name} or {error}
//     [data-uploading-text] [data-failed-text] [data-network-text] [data-too-large-text]
//                                      messages in the member's language ({name}, {reason})
//   input.composer-files-input         the file field (emptied after each choice: the files are sent already)
//   ul.upload-progress                 one line per file: its progress, then nothing, or why it failed
(function () {
  "use strict";

  var counter = 0;

  function Uploader(box) {
    this.box = box;
    this.form = box.closest("form");
    this.body = this.form && this.form.querySelector("textarea[name=body]");
    this.input = box.querySelector(".composer-files-input");
    this.list = box.querySelector(".upload-progress");
    if (!this.form || !this.body || !this.input) { return; }
    var hint = box.querySelector(".composer-files-hint");
    if (hint) { hint.hidden = false; }
    box.classList.add("enhanced");
    var self = this;
    this.input.addEventListener("change", function () {
      self.sendAll(self.input.files);
      self.input.value = "";  // sent now: the form must not send them again
    });
    this.body.addEventListener("dragover", function (event) {
      if (hasFiles(event.dataTransfer)) { event.preventDefault(); self.body.classList.add("dropping"); }
    });
    this.body.addEventListener("dragleave", function () { self.body.classList.remove("dropping"); });
    this.body.addEventListener("drop", function (event) {
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
  }

  function hasFiles(transfer) {
    return !!transfer && Array.prototype.indexOf.call(transfer.types || [], "Files") !== -1;
  }

  function pastedFiles(data) {
    var files = [];
    if (!data) { return files; }
    Array.prototype.forEach.call(data.items || [], function (item) {
      if (item.kind === "file") {
        var file = item.getAsFile();
        if (file) { files.push(file); }
      }
    });
    return files;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  Uploader.prototype.sendAll = function (files) {
    var self = this;
    Array.prototype.forEach.call(files || [], function (file) { self.send(file); });
  };

  // A placeholder goes in at the caret at once, so the member keeps writing while the file travels.
  Uploader.prototype.insertPlaceholder = function (name) {
    counter += 1;
    var marker = "[" + say(this.box.getAttribute("data-uploading-text"), { name: name }) + " #" + counter + "]";
    var box = this.body;
    var start = box.selectionStart, end = box.selectionEnd;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    var text = lead + marker + "\n";
    box.value = before + text + after;
    box.selectionStart = box.selectionEnd = before.length + text.length;
    return marker;
  };

  Uploader.prototype.replacePlaceholder = function (marker, text) {
    var box = this.body;
    var at = box.value.indexOf(marker);
    if (at === -1) {  // the member deleted the placeholder: add the file at the end
      if (text) { box.value = box.value.replace(/\s*$/, "") + "\n" + text + "\n"; }
    } else {
      var caret = box.selectionStart;
      box.value = box.value.slice(0, at) + text + box.value.slice(at + marker.length);
      if (caret > at) { box.selectionStart = box.selectionEnd = caret + text.length - marker.length; }
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));  // the draft autosaves
  };

  Uploader.prototype.send = function (file) {
    var self = this;
    var name = file.name || "image.png";
    var marker = this.insertPlaceholder(name);
    var line = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = say(this.box.getAttribute("data-uploading-text"), { name: name });
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    line.appendChild(label); line.appendChild(bar);
    if (this.list) { this.list.appendChild(line); }

    var data = new FormData();
    data.append("csrf_token", this.form.querySelector("input[name=csrf_token]").value);
    data.append("file", file, name);
    var request = new XMLHttpRequest();
    request.open("POST", this.box.getAttribute("data-upload-url"));
    request.responseType = "json";
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    request.addEventListener("load", function () {
      var answer = request.response || {};
      if (request.status === 200 && answer.markdown) {
        self.replacePlaceholder(marker, answer.markdown);
        line.remove();
        self.refreshPreview();
        return;
      }
      var reason = answer.error || (request.status === 413 ? self.box.getAttribute("data-too-large-text")
                                                           : self.box.getAttribute("data-network-text"));
      self.fail(line, marker, name, reason);
    });
    request.addEventListener("error", function () {
      self.fail(line, marker, name, self.box.getAttribute("data-network-text"));
    });
    request.send(data);
  };

  Uploader.prototype.fail = function (line, marker, name, reason) {
    this.replacePlaceholder(marker, "");
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
