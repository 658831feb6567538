// The last page of the sign-in window that Link opened in iframe mode.
// After a sign-in the session goes on under a new ID that only this
// browser knows: hand it to the Link frame that opened this window, by
// postMessage to Link's own origin only, then close. Opened without an
// opener (a popup blocker, a new tab), go on here instead. After a failed
// sign-in the frame notices by itself, and this window closes.
(function () {
  "use strict";
  var next = document.getElementById("cl-next");
  var path = next && next.getAttribute("data-next");
  if (path && !/^\/s\/[A-Za-z0-9_-]+$/.test(path)) return;
  var opener = null;
  try { opener = window.opener; } catch (e) { opener = null; }
  if (path && !opener) {
    window.location.replace(path);
    return;
  }
  if (path) {
    opener.postMessage(JSON.stringify({ type: "cl-signed-in", next: path }), window.location.origin);
  }
  setTimeout(function () { window.close(); }, 1500);
})();
