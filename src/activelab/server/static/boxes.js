// The box editor of image_regions projects: draw, select, move, resize and delete boxes with the
// mouse or the keyboard. Coordinates are fractions of the image (0-1), as the API stores them.
// The model's proposed boxes are shown dashed until accepted (A); each box remembers its origin
// (accepted as proposed, corrected: moved, resized or relabelled, or drawn from scratch), and
// deleted or unaccepted proposals are counted as rejected.
"use strict";
window.activelabBoxEditor = (() => {
  const MIN = 0.02;       // smallest box side (fraction of the image)
  const STEP = 0.02;      // one arrow-key move or resize
  const GRAB = 8;         // how near (pixels) a corner must be to grab it
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
  const round = (v) => Math.round(v * 1000) / 1000;

  function spanning(a, b, label) {
    return { x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]),
             w: Math.abs(b[0] - a[0]), h: Math.abs(b[1] - a[1]), label };
  }

  /**
   * Build an editor in ``container`` for the image at ``url``.
   * ``currentClass()`` names the class of a new box; ``onChange(boxes, selected)`` reports edits.
   */
  function create(container, url, currentClass, onChange) {
    const canvas = document.createElement("canvas");
    canvas.width = 320; canvas.height = 320; canvas.tabIndex = 0;
    canvas.setAttribute("role", "application");
    canvas.setAttribute("aria-roledescription", "box editor");
    canvas.setAttribute("aria-label", "Image: drag to draw a box, or press + to add one");
    const image = new Image();
    const boxes = [];
    let selected = -1;
    let drag = null;      // {mode: "draw" | "move" | "resize", start, original, anchor}
    let rubber = null;    // the box being drawn, shown while the mouse is down
    let rejected = 0;     // proposals deleted
    let reloaded = false; // the boxes of an earlier answer were put back
    const PROPOSED = "#e040fb";

    // A proposal that is moved, resized or relabelled is corrected (and kept).
    function touched(b) { if (b.origin !== "drawn") b.origin = "corrected"; }

    function changed() { draw(); onChange(boxes, selected); }

    function draw() {
      const ctx = canvas.getContext("2d");
      const W = canvas.width; const H = canvas.height;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, W, H);
      if (image.complete && image.naturalWidth) ctx.drawImage(image, 0, 0, W, H);
      ctx.font = "12px sans-serif";
      boxes.forEach((b, i) => {
        const on = i === selected;
        const proposed = b.origin === "proposed";
        ctx.lineWidth = on ? 3 : 2;
        ctx.setLineDash(proposed ? [6, 3] : []);
        ctx.strokeStyle = on ? "#00b3ff" : proposed ? PROPOSED : "#f2b90c";
        ctx.fillStyle = ctx.strokeStyle;
        ctx.strokeRect(b.x * W, b.y * H, b.w * W, b.h * H);
        ctx.setLineDash([]);
        const tag = proposed ? `${b.label}? ${b.score === undefined ? "" : b.score.toFixed(2)}` : b.label;
        ctx.fillText(`${i + 1} ${tag}`, b.x * W + 3, b.y * H + 13);
        if (on) {
          for (const [cx, cy] of corners(b)) ctx.fillRect(cx * W - 4, cy * H - 4, 8, 8);
        }
      });
      if (rubber) {  // black and white dashes show on any image
        ctx.lineWidth = 1;
        for (const [colour, offset] of [["#000", 0], ["#fff", 4]]) {
          ctx.strokeStyle = colour; ctx.setLineDash([4, 4]); ctx.lineDashOffset = offset;
          ctx.strokeRect(rubber.x * W, rubber.y * H, rubber.w * W, rubber.h * H);
        }
        ctx.setLineDash([]);
      }
    }

    const corners = (b) => [[b.x, b.y], [b.x + b.w, b.y], [b.x, b.y + b.h], [b.x + b.w, b.y + b.h]];

    function point(e) {
      const r = canvas.getBoundingClientRect();
      return [clamp((e.clientX - r.left) / r.width, 0, 1), clamp((e.clientY - r.top) / r.height, 0, 1)];
    }

    function grabbedCorner(p) {
      if (selected < 0) return null;
      const r = canvas.getBoundingClientRect();
      const b = boxes[selected];
      const i = corners(b).findIndex(([cx, cy]) =>
        Math.abs(cx - p[0]) * r.width <= GRAB && Math.abs(cy - p[1]) * r.height <= GRAB);
      return i < 0 ? null : corners(b)[3 - i];  // the opposite corner stays put
    }

    function boxAt(p) {
      for (let i = boxes.length - 1; i >= 0; i--) {  // the topmost (last drawn) first
        const b = boxes[i];
        if (p[0] >= b.x && p[0] <= b.x + b.w && p[1] >= b.y && p[1] <= b.y + b.h) return i;
      }
      return -1;
    }

    // Pointer capture keeps a drag going when it leaves the canvas.
    canvas.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      canvas.focus();
      canvas.setPointerCapture(e.pointerId);
      const p = point(e);
      const anchor = grabbedCorner(p);
      if (anchor) { drag = { mode: "resize", anchor }; return; }
      const hit = boxAt(p);
      if (hit >= 0) {
        selected = hit;
        drag = { mode: "move", start: p, original: { ...boxes[hit] } };
        changed();
        return;
      }
      selected = -1;
      drag = { mode: "draw", start: p };
      rubber = spanning(p, p, currentClass());
      changed();
    });

    canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const p = point(e);
      if (drag.mode === "draw") rubber = spanning(drag.start, p, currentClass());
      else if (drag.mode === "move") {
        const b = boxes[selected]; const o = drag.original;
        b.x = clamp(o.x + p[0] - drag.start[0], 0, 1 - b.w);
        b.y = clamp(o.y + p[1] - drag.start[1], 0, 1 - b.h);
      } else {
        Object.assign(boxes[selected], spanning(drag.anchor, p, boxes[selected].label));
      }
      draw();
    });

    canvas.addEventListener("pointerup", () => {
      if (!drag) return;
      if (drag.mode === "draw" && rubber.w > 0.01 && rubber.h > 0.01) {
        boxes.push({ ...rubber, origin: "drawn" });
        selected = boxes.length - 1;
      }
      if (drag.mode === "resize") {
        const b = boxes[selected];
        b.w = Math.max(b.w, MIN); b.h = Math.max(b.h, MIN);
        touched(b);
      }
      if (drag.mode === "move") {
        const b = boxes[selected];
        if (b.x !== drag.original.x || b.y !== drag.original.y) touched(b);
      }
      drag = null; rubber = null;
      changed();
    });

    canvas.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const b = boxes[selected];
      if (e.key === "Tab") {
        // Tab walks through the boxes, then on out of the image (focus is never trapped).
        const next = selected + (e.shiftKey ? -1 : 1);
        if (selected >= 0 && (next < 0 || next >= boxes.length)) { selected = -1; changed(); return; }
        if (selected < 0 && (e.shiftKey || boxes.length === 0)) return;
        selected = selected < 0 ? 0 : next;
      } else if (e.key === "+") {
        boxes.push({ x: 0.35, y: 0.35, w: 0.3, h: 0.3, label: currentClass(), origin: "drawn" });
        selected = boxes.length - 1;
      } else if (e.key.toLowerCase() === "a" && pending().length) {
        accept(); e.preventDefault(); e.stopPropagation();
        return;
      } else if (e.key === "Escape" && selected >= 0) {
        selected = -1;
      } else if ((e.key === "Delete" || e.key === "Backspace") && b) {
        remove(); e.preventDefault(); e.stopPropagation();
        return;
      } else if (e.key.startsWith("Arrow") && b) {
        touched(b);
        const dx = { ArrowLeft: -STEP, ArrowRight: STEP }[e.key] || 0;
        const dy = { ArrowUp: -STEP, ArrowDown: STEP }[e.key] || 0;
        if (e.shiftKey) {
          b.w = clamp(b.w + dx, MIN, 1 - b.x); b.h = clamp(b.h + dy, MIN, 1 - b.y);
        } else {
          b.x = clamp(b.x + dx, 0, 1 - b.w); b.y = clamp(b.y + dy, 0, 1 - b.h);
        }
      } else return;
      e.preventDefault(); e.stopPropagation();
      changed();
    });

    const pending = () => boxes.filter((b) => b.origin === "proposed");

    /** Accept the selected proposal, or else the first one not accepted yet. */
    function accept() {
      let i = selected >= 0 && boxes[selected].origin === "proposed" ? selected
        : boxes.findIndex((b) => b.origin === "proposed");
      if (i < 0) return false;
      boxes[i].origin = "accepted";
      const next = boxes.findIndex((b) => b.origin === "proposed");
      selected = next >= 0 ? next : i;
      changed();
      return true;
    }

    /** Delete the selected box; a deleted proposal counts as rejected. */
    function remove() {
      if (selected < 0) return false;
      if (boxes[selected].origin !== "drawn") rejected += 1;
      boxes.splice(selected, 1);
      selected = Math.min(selected, boxes.length - 1);
      changed();
      return true;
    }

    image.onload = () => {
      canvas.height = Math.round(320 * image.naturalHeight / image.naturalWidth);
      draw();
    };
    image.src = url;
    container.append(canvas);
    draw();
    return {
      canvas,
      /** The boxes as the API takes them (rounded to 0.001). */
      value: () => boxes.filter((b) => b.origin !== "proposed").map((b) => {
        const x = round(b.x); const y = round(b.y);
        return { x, y, w: Math.min(round(b.w), round(1 - x)), h: Math.min(round(b.h), round(1 - y)),
                 label: b.label };
      }),
      /** What was done with the proposals: each kept box's origin; proposals rejected. */
      // null after an undo or reopen: where the boxes put back came from is not known.
      actions: () => (reloaded ? null : {
        origins: boxes.filter((b) => b.origin !== "proposed").map((b) => b.origin),
        rejected: rejected + pending().length }),
      /** Put back boxes (after an undo or reopen), none selected. */
      load(previous) {
        boxes.splice(0, boxes.length, ...previous.map((b) => ({ ...b, origin: "drawn" })));
        selected = -1; rejected = 0; reloaded = true; changed();
      },
      /** Show the model's boxes as proposals, the first one selected. */
      propose(proposals) {
        boxes.splice(0, boxes.length, ...proposals.map((b) => ({
          x: b.x, y: b.y, w: b.w, h: b.h, label: b.label, score: b.score, origin: "proposed" })));
        selected = boxes.length ? 0 : -1; rejected = 0; changed();
      },
      accept,
      remove,
      /** The boxes with their origins (proposed, accepted, corrected, drawn). */
      boxes: () => boxes.map((b) => ({ ...b })),
      /** Give the selected box (if any) another class. */
      relabel(name) {
        if (selected >= 0 && boxes[selected].label !== name) {
          boxes[selected].label = name;
          if (boxes[selected].origin !== "drawn") boxes[selected].origin = "corrected";
          changed();
        }
      },
    };
  }

  return { create };
})();
