/*! consent-link SDK: open Link in an iframe and get its result.
 *
 *   <script src="https://link.example/static/link.js" async></script>
 *   ConsentLink.open({
 *     clientId: "acme", scope: "info,income", callbackUri: "https://acme.example/cb",
 *     onSuccess: function (r) { send r.code to your server },
 *     onError: function (e) { show e.status / e.message },
 *   });
 *
 * Plain JavaScript, no build step, no dependencies. It adds no inline
 * <style> or <script> (styles are set through the DOM), so it works on a
 * page whose CSP has no 'unsafe-inline'. Types: link.d.ts beside this file.
 */
(function () {
  "use strict";
  if (window.ConsentLink && window.ConsentLink.version) return; // loaded twice

  // Link's origin is where this script came from, unless told otherwise.
  var script = document.currentScript;
  var defaultBase = script && script.src ? new URL(script.src).origin : window.location.origin;
  var current = null; // the one open Link; opening another closes it

  function css(el, styles) {
    for (var k in styles) el.style.setProperty(k, styles[k]);
    return el;
  }

  function resolveContainer(container) {
    if (!container) return null;
    if (typeof container === "string") return document.querySelector(container);
    return container;
  }

  function buildUrl(base, o) {
    var url = new URL("/link", base);
    var p = url.searchParams;
    p.set("client_id", o.clientId);
    p.set("scope", Array.isArray(o.scope) ? o.scope.join(",") : o.scope);
    p.set("iframe", "true");
    if (o.callbackUri) p.set("callback_uri", o.callbackUri);
    if (o.locale) p.set("locale", o.locale);
    if (o.test) p.set("test", "true");
    if (o.stylesUri) p.set("styles_uri", o.stylesUri);
    if (o.state != null) p.set("state", String(o.state));
    return url.toString();
  }

  function open(options) {
    var o = options || {};
    if (!o.clientId || !o.scope) throw new TypeError("ConsentLink.open needs clientId and scope");
    if (current) current.close(true); // silently: an old handler never fires

    var base = o.baseUrl ? new URL(o.baseUrl).origin : defaultBase;
    var container = resolveContainer(o.container);
    var previousFocus = document.activeElement;
    var done = false;
    var statuses = {};
    var overlay = null;
    var closeButton = null;

    var frame = document.createElement("iframe");
    frame.src = buildUrl(base, o);
    frame.title = o.title || "Link";
    frame.setAttribute("allow", "");
    css(frame, { border: "0", width: "100%", height: "100%", display: "block", "background-color": "#fff" });

    if (container) {
      container.appendChild(frame);
    } else {
      overlay = css(document.createElement("div"), {
        position: "fixed", inset: "0", "z-index": "2147483647",
        "background-color": "rgba(15, 23, 42, 0.6)",
        display: "flex", "align-items": "center", "justify-content": "center",
      });
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", frame.title);
      var box = css(document.createElement("div"), {
        position: "relative", width: "min(100vw, 32rem)", height: "min(100vh, 44rem)",
        "background-color": "#fff", "border-radius": "8px", overflow: "hidden",
      });
      closeButton = css(document.createElement("button"), {
        position: "absolute", top: "0.25rem", right: "0.25rem", "z-index": "1",
        width: "2.75rem", height: "2.75rem", border: "0", "border-radius": "50%",
        "background-color": "#1b1f24", color: "#fff", "font-size": "1.4rem", cursor: "pointer",
      });
      closeButton.type = "button";
      closeButton.textContent = "\u00d7";
      closeButton.setAttribute("aria-label", o.closeLabel || "Close");
      closeButton.addEventListener("click", function () { exit(); });
      box.appendChild(frame);
      box.appendChild(closeButton);
      overlay.appendChild(box);
      document.body.appendChild(overlay);
      document.addEventListener("keydown", onKey, true);
    }
    window.addEventListener("message", onMessage);
    try { frame.focus(); } catch (e) { /* not focusable yet */ }

    function call(fn, arg) {
      if (typeof fn !== "function") return;
      try { fn(arg); } catch (e) { setTimeout(function () { throw e; }); }
    }

    function cleanup() {
      window.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey, true);
      if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
      else if (frame.parentNode) frame.parentNode.removeChild(frame);
      if (current === handle) current = null;
      if (previousFocus && typeof previousFocus.focus === "function") {
        try { previousFocus.focus(); } catch (e) { /* gone */ }
      }
    }

    function finish(fn, arg) {
      if (done) return;
      done = true;
      cleanup();
      call(fn, arg);
    }

    function exit() { finish(o.onExit, undefined); }

    function onKey(event) {
      if (event.key === "Escape") { event.preventDefault(); exit(); }
    }

    function onMessage(event) {
      // Only Link's origin, and only our own iframe.
      if (done || event.origin !== base || event.source !== frame.contentWindow) return;
      var msg;
      try { msg = typeof event.data === "string" ? JSON.parse(event.data) : null; } catch (e) { return; }
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "status" && typeof msg.status === "string") {
        if (statuses[msg.status]) return;
        statuses[msg.status] = true;
        call(o.onStatus, { status: msg.status, state: msg.state });
      } else if (msg.type === "code" && typeof msg.code === "string") {
        finish(o.onSuccess, { code: msg.code, state: msg.state });
      } else if (msg.type === "error" && msg.error && typeof msg.error === "object") {
        finish(o.onError, {
          status: msg.error.status, message: msg.error.message, error: msg.error.error, state: msg.state,
        });
      } else if (msg.type === "escape" && overlay) {
        exit(); // Escape pressed inside Link, which the host cannot see
      } // unknown types are ignored, as the contract asks
    }

    var handle = {
      /** Closes Link. `silent` skips onExit. */
      close: function (silent) {
        if (done) return;
        if (silent) { done = true; cleanup(); } else { exit(); }
      },
      iframe: frame,
    };
    current = handle;
    return handle;
  }

  window.ConsentLink = { open: open, version: "1" };
})();
