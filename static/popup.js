// The last page of the sign-in window that Link opened in iframe mode: the
// Link frame notices the sign-in by itself, so this window closes after a
// moment. Without script the page asks the end user to close it.
(function () {
  "use strict";
  setTimeout(function () { window.close(); }, 1500);
})();
