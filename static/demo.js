// The demo integrator's iframe integration: open Link in an iframe and log
// the messages it posts. Only messages from this origin and from our own
// iframe are read.
(function () {
  "use strict";
  var button = document.getElementById("demo-iframe-start");
  var host = document.getElementById("demo-iframe-host");
  var log = document.getElementById("demo-log");
  if (!button || !host || !log) return;
  var frame = null;
  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== window.location.origin) return;
    var msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    log.textContent += JSON.stringify(msg) + "\n";
    if (msg.type === "code" || msg.type === "error") {
      host.removeChild(frame);
      frame = null;
    }
    if (msg.type === "code" && typeof msg.code === "string") {
      // Hand the result to the demo's server side, which reads the data
      // with the demo client's secret; the browser never sees that secret.
      var query = "code=" + encodeURIComponent(msg.code);
      if (typeof msg.state === "string") query += "&state=" + encodeURIComponent(msg.state);
      window.location.assign("/demo/callback?" + query);
    }
  });
  button.addEventListener("click", function () {
    if (frame) host.removeChild(frame);
    log.textContent = "";
    frame = document.createElement("iframe");
    frame.src = button.getAttribute("data-src");
    frame.title = button.textContent;
    frame.className = "demo-frame";
    host.appendChild(frame);
  });
})();
