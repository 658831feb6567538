// The demo integrator's iframe integration, written as an integrator would:
// five lines with the SDK (/static/link.js), plus a log of what came back.
(function () {
  "use strict";
  var button = document.getElementById("demo-iframe-start");
  var log = document.getElementById("demo-log");
  if (!button || !log || !window.ConsentLink) return;
  function show(what) { log.textContent += JSON.stringify(what) + "\n"; }
  button.addEventListener("click", function () {
    log.textContent = "";
    // The page's state ties the result to this browser (see src/http/demo.rs).
    var state = button.getAttribute("data-state");
    ConsentLink.open({
      clientId: button.getAttribute("data-client-id"),
      scope: button.getAttribute("data-scope"),
      callbackUri: button.getAttribute("data-callback-uri"),
      locale: button.getAttribute("data-locale"),
      test: true,
      state: state,
      onStatus: function (s) { show({ status: s.status }); },
      onError: function (e) { show({ error: e }); },
      onExit: function () { show({ exit: true }); },
      onSuccess: function (r) {
        // Hand the user ID to the demo's server side, which reads the data
        // with the demo client's secret; the browser never sees that secret.
        if (r.state !== state) return;
        window.location.assign("/demo/callback?code=" + encodeURIComponent(r.code) +
          "&state=" + encodeURIComponent(r.state));
      },
    });
  });
})();
