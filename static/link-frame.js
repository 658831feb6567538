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
