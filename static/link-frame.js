// Posts this page's messages to the page that embeds Link. The messages and
// the one origin they may go to are written by the server into #cl-frame:
// never a wildcard target.
(function () {
  "use strict";
  // Not in a frame (the sign-in window went on by itself, having no
  // opener to hand the session to): there is no page to post to, so the
  // result page offers the link to the integrator's callback instead.
  if (window.parent === window) {
    var top = document.getElementById("cl-top-continue");
    if (top) top.hidden = false;
  }
  var el = document.getElementById("cl-frame");
  if (!el || window.parent === window) return;
  var origin = el.getAttribute("data-origin");
  var messages;
  try {
    messages = JSON.parse(el.getAttribute("data-messages") || "[]");
  } catch (e) {
    return;
  }
  for (var i = 0; i < messages.length; i++) {
    window.parent.postMessage(JSON.stringify(messages[i]), origin);
  }
  // Keys typed inside this frame never reach the embedding page, so tell it
  // when the end user presses Escape: the SDK closes its overlay on it.
  // (Integrators ignore unknown message types, as the contract asks.)
  var state = messages.length && messages[0].state;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var msg = { type: "escape" };
    if (typeof state === "string") msg.state = state;
    window.parent.postMessage(JSON.stringify(msg), origin);
  });
})();

// Sign-in at a provider in iframe mode: providers refuse to be framed, so
// the sign-in opens in a window of its own. Open it as a popup (a plain
// target=_blank form does the same without script). A successful sign-in
// gives the session a new ID that only the sign-in window learns; it hands
// the new path over by postMessage from Link's own origin. A failed one
// leaves the session here, and polling notices.
(function () {
  "use strict";
  var form = document.querySelector("form[data-popup]");
  if (form) {
    form.addEventListener("submit", function () {
      var name = form.getAttribute("data-popup");
      var popup = window.open("", name, "popup,width=520,height=720");
      if (popup) form.target = name;
    });
  }
  // Any Link page in the frame takes the hand-over (also the "continued
  // in another window" page the frame may have reloaded to meanwhile).
  var done = false;
  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || typeof event.data !== "string") return;
    var msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (!msg || msg.type !== "cl-signed-in" || typeof msg.next !== "string") return;
    if (!/^\/s\/[A-Za-z0-9_-]+$/.test(msg.next)) return;
    done = true;
    window.location.replace(msg.next);
  });
  var wait = document.getElementById("cl-wait");
  if (!wait) return;
  var url = wait.getAttribute("data-status");
  var step = wait.getAttribute("data-step");
  function poll() {
    if (done) return;
    fetch(url, { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.json().catch(function () { return null; }); })
      .then(function (body) {
        if (done) return;
        if (body && body.moved) {
          // Signed in, but the sign-in window could not hand over (it
          // went on by itself): give its message a moment, then say so.
          setTimeout(function () { if (!done) window.location.reload(); }, 3000);
        } else if (body && body.step && body.step !== step) {
          window.location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
