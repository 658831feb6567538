// Posts this page's messages to the page that embeds Link. The messages and
// the one origin they may go to are written by the server into #cl-frame:
// never a wildcard target.
(function () {
  "use strict";
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
// target=_blank form does the same without script), and move on as soon
// as the session has left this step, whichever window did it.
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
  var wait = document.getElementById("cl-wait");
  if (!wait) return;
  var url = wait.getAttribute("data-status");
  var step = wait.getAttribute("data-step");
  function poll() {
    fetch(url, { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.step !== step) {
          window.location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
