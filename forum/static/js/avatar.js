// The picture page: show the chosen picture with a square to move and resize, and write the
// square into the form's crop fields. Progressive enhancement: without JavaScript the file
// field and the button work and the server takes the middle square.
// Strict CSP: no inline script, no eval, no innerHTML. The picture is read as a data: URL (the
// page's img-src allows data:, not blob:).
//
// Coordinates are the picture's natural pixels. Browsers show an <img> turned by its EXIF
// orientation (image-orientation: from-image) and report that upright size as naturalWidth /
// naturalHeight: the same upright pixels the server crops (forum/uploads/images.py).
//
// Markup it reads (uploads/avatar.html):
//   form.avatar-form[data-max-bytes]      with input[name=avatar] and hidden crop_left/top/side
//     [data-too-large-text] [data-unreadable-text] [data-position-text] ({side}, {left}, {top})
//   .avatar-cropper (hidden)              .avatar-crop-stage > img.avatar-crop-image + .avatar-crop-box
//                                         (> .avatar-crop-handle), img.avatar-crop-preview-image,
//                                         input.avatar-crop-size (range), .avatar-crop-status
//   .avatar-message                       where a refusal is said
(function () {
  "use strict";

  var PREVIEW_SIDE = 96;

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  function Cropper(form) {
    this.form = form;
    this.input = form.querySelector("input[name=avatar]");
    this.panel = form.querySelector(".avatar-cropper");
    this.stage = form.querySelector(".avatar-crop-stage");
    this.image = form.querySelector(".avatar-crop-image");
    this.box = form.querySelector(".avatar-crop-box");
    this.handle = form.querySelector(".avatar-crop-handle");
    this.preview = form.querySelector(".avatar-crop-preview-image");
    this.range = form.querySelector(".avatar-crop-size");
    this.status = form.querySelector(".avatar-crop-status");
    this.message = form.querySelector(".avatar-message");
    this.fields = {left: form.elements.crop_left, top: form.elements.crop_top, side: form.elements.crop_side};
    if (!this.input || !this.panel || !this.stage || !this.image || !this.box || !this.fields.side) { return; }
    this.width = 0;       // the upright picture's natural size
    this.height = 0;
    this.crop = null;     // {left, top, side}, whole natural pixels
    this.drag = null;     // {mode: "move" | "resize", x, y, crop}
    this.reading = 0;     // the latest file read: an older one finishing late is ignored
    this.bind();
  }

  Cropper.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("change", function () { self.load(self.input.files && self.input.files[0]); });
    this.image.addEventListener("load", function () { self.start(); });
    this.image.addEventListener("error", function () { if (self.image.getAttribute("src")) { self.unreadable(); } });
    this.stage.addEventListener("pointerdown", function (event) { self.pointerDown(event); });
    this.stage.addEventListener("pointermove", function (event) { self.pointerMove(event); });
    this.stage.addEventListener("pointerup", function (event) { self.pointerUp(event); });
    this.stage.addEventListener("pointercancel", function (event) { self.pointerUp(event); });
    this.box.addEventListener("keydown", function (event) { self.key(event); });
    if (this.range) {
      this.range.addEventListener("input", function () {
        if (self.crop) { self.resizeAround(parseInt(self.range.value, 10)); self.render(true); }
      });
    }
    window.addEventListener("resize", function () { if (self.crop) { self.render(false); } });
  };

  Cropper.prototype.say = function (text) {
    if (!this.message) { return; }
    this.message.textContent = text || "";
    this.message.hidden = !text;
  };

  Cropper.prototype.reset = function () {
    this.crop = null;
    this.drag = null;
    this.panel.hidden = true;
    this.image.removeAttribute("src");
    if (this.preview) { this.preview.removeAttribute("src"); }
    this.fields.left.value = "";
    this.fields.top.value = "";
    this.fields.side.value = "";
  };

  Cropper.prototype.load = function (file) {
    var self = this;
    this.reset();
    this.say("");
    this.reading += 1;
    if (!file) { return; }
    var limit = parseInt(this.form.getAttribute("data-max-bytes") || "0", 10);
    if (limit && file.size > limit) {
      this.say(this.form.getAttribute("data-too-large-text"));
      return;
    }
    var reading = this.reading;
    var reader = new FileReader();
    reader.addEventListener("load", function () {
      if (reading !== self.reading || typeof reader.result !== "string") { return; }
      self.panel.hidden = false;  // shown before it loads: its size is measured on load
      self.image.src = reader.result;
      if (self.preview) { self.preview.src = reader.result; }
    });
    reader.addEventListener("error", function () { if (reading === self.reading) { self.unreadable(); } });
    reader.readAsDataURL(file);
  };

  Cropper.prototype.unreadable = function () {
    // The file may still be an image the server reads (HEIC, say): it will take the middle.
    this.reset();
    this.say(this.form.getAttribute("data-unreadable-text"));
  };

  Cropper.prototype.start = function () {
    this.width = this.image.naturalWidth;
    this.height = this.image.naturalHeight;
    if (!this.width || !this.height) { this.unreadable(); return; }
    var shortest = Math.min(this.width, this.height);
    // Not a sliver: at least a tenth of the picture (96 pixels on a small one), as a square avatar needs.
    this.minSide = Math.min(shortest, Math.max(96, Math.round(shortest / 10)));
    this.crop = {left: Math.floor((this.width - shortest) / 2), top: Math.floor((this.height - shortest) / 2),
                 side: shortest};
    if (this.range) {
      this.range.min = String(this.minSide);
      this.range.max = String(shortest);
      this.range.value = String(shortest);
    }
    this.render(true);
  };

  Cropper.prototype.scale = function () {
    // Shown CSS pixels per natural pixel.
    var shown = this.image.getBoundingClientRect().width;
    return shown > 0 ? shown / this.width : 1;
  };

  Cropper.prototype.settle = function (left, top, side) {
    var shortest = Math.min(this.width, this.height);
    side = Math.round(clamp(side, this.minSide, shortest));
    this.crop = {side: side, left: Math.round(clamp(left, 0, this.width - side)),
                 top: Math.round(clamp(top, 0, this.height - side))};
  };

  Cropper.prototype.resizeAround = function (side) {
    var c = this.crop;
    var middleX = c.left + c.side / 2;
    var middleY = c.top + c.side / 2;
    var settled = Math.round(clamp(side, this.minSide, Math.min(this.width, this.height)));
    this.settle(middleX - settled / 2, middleY - settled / 2, settled);
  };

  Cropper.prototype.render = function (announce) {
    var c = this.crop;
    var scale = this.scale();
    this.box.style.left = (c.left * scale) + "px";
    this.box.style.top = (c.top * scale) + "px";
    this.box.style.width = (c.side * scale) + "px";
    this.box.style.height = (c.side * scale) + "px";
    this.fields.left.value = String(c.left);
    this.fields.top.value = String(c.top);
    this.fields.side.value = String(c.side);
    if (this.range) { this.range.value = String(c.side); }
    if (this.preview) {
      var zoom = PREVIEW_SIDE / c.side;
      this.preview.style.width = (this.width * zoom) + "px";
      this.preview.style.height = (this.height * zoom) + "px";
      this.preview.style.left = (-c.left * zoom) + "px";
      this.preview.style.top = (-c.top * zoom) + "px";
    }
    if (announce && this.status) {
      this.status.textContent = (this.form.getAttribute("data-position-text") || "")
        .replace("{side}", String(c.side)).replace("{left}", String(c.left)).replace("{top}", String(c.top));
    }
  };

  // --- pointer: drag the square, drag its corner, or press elsewhere to bring it there -----------

  Cropper.prototype.pointerDown = function (event) {
    if (!this.crop || (event.pointerType === "mouse" && event.button !== 0)) { return; }
    var mode = event.target === this.handle ? "resize" : "move";
    if (event.target !== this.box && event.target !== this.handle) {
      // Pressed outside the square: centre it there, then drag on from there.
      var scale = this.scale();
      var rect = this.stage.getBoundingClientRect();
      var x = (event.clientX - rect.left) / scale;
      var y = (event.clientY - rect.top) / scale;
      this.settle(x - this.crop.side / 2, y - this.crop.side / 2, this.crop.side);
      this.render(false);
    }
    event.preventDefault();
    this.box.focus({preventScroll: true});
    this.drag = {mode: mode, x: event.clientX, y: event.clientY, pointer: event.pointerId,
                 crop: {left: this.crop.left, top: this.crop.top, side: this.crop.side}};
    this.stage.setPointerCapture(event.pointerId);
  };

  Cropper.prototype.pointerMove = function (event) {
    var drag = this.drag;
    if (!drag || event.pointerId !== drag.pointer) { return; }
    event.preventDefault();
    var scale = this.scale();
    var dx = (event.clientX - drag.x) / scale;
    var dy = (event.clientY - drag.y) / scale;
    var start = drag.crop;
    if (drag.mode === "move") {
      this.settle(start.left + dx, start.top + dy, start.side);
    } else {
      // The top-left corner stays; the square follows the pointer's larger movement.
      var room = Math.min(this.width - start.left, this.height - start.top);
      var side = clamp(start.side + (Math.abs(dx) > Math.abs(dy) ? dx : dy), this.minSide, room);
      this.settle(start.left, start.top, side);
    }
    this.render(false);
  };

  Cropper.prototype.pointerUp = function (event) {
    if (!this.drag || event.pointerId !== this.drag.pointer) { return; }
    this.drag = null;
    if (this.stage.hasPointerCapture(event.pointerId)) { this.stage.releasePointerCapture(event.pointerId); }
    this.render(true);
  };

  // --- keyboard: arrows move (Shift: faster), + and - (or Page Up / Page Down) resize -------------

  Cropper.prototype.key = function (event) {
    if (!this.crop || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var shortest = Math.min(this.width, this.height);
    var step = Math.max(1, Math.round(shortest / (event.shiftKey ? 10 : 50)));
    var c = this.crop;
    switch (event.key) {
      case "ArrowLeft": this.settle(c.left - step, c.top, c.side); break;
      case "ArrowRight": this.settle(c.left + step, c.top, c.side); break;
      case "ArrowUp": this.settle(c.left, c.top - step, c.side); break;
      case "ArrowDown": this.settle(c.left, c.top + step, c.side); break;
      case "+": case "=": case "PageUp": this.resizeAround(c.side + step); break;
      case "-": case "_": case "PageDown": this.resizeAround(c.side - step); break;
      default: return;
    }
    event.preventDefault();
    this.render(true);
  };

  document.querySelectorAll("form.avatar-form").forEach(function (form) { new Cropper(form); });
})();
