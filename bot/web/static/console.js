// Bình An staff console: live updates. The server sends "alert", "queue" or "handoff" events
// (a case code, never a person's words); the page reloads the part concerned through htmx.
(function () {
  "use strict";
  var alerts = document.getElementById("alerts");
  var live = document.getElementById("live");
  var conversation = document.getElementById("conversation");
  if ((!alerts && !conversation) || !window.EventSource) { return; }
  var source = new EventSource("/events");
  function refresh() { document.body.dispatchEvent(new Event("refresh")); }
  // On every (re)connection, reload what may have changed while the stream was down.
  source.addEventListener("open", function () {
    document.documentElement.dataset.live = "on";
    if (live) { live.textContent = live.dataset.online; live.classList.remove("offline"); }
    if (alerts) { refresh(); }
    if (conversation) { conversation.dispatchEvent(new Event("handoff")); }
  });
  source.addEventListener("error", function () {
    document.documentElement.dataset.live = "off";
    if (live) { live.textContent = live.dataset.offline; live.classList.add("offline"); }
  });
  source.addEventListener("queue", refresh);
  source.addEventListener("handoff", function (event) {
    var data = JSON.parse(event.data);
    if (conversation && conversation.dataset.code === data.code) {
      conversation.dispatchEvent(new Event("handoff"));
    }
  });
  source.addEventListener("alert", function (event) {
    if (!alerts) { return; }
    var alert = JSON.parse(event.data);
    var item = document.createElement("li");
    item.className = "alert tier-" + alert.tier;
    item.dataset.code = alert.code;
    var title = document.createElement("strong");
    title.textContent = alerts.dataset.label + " · ";
    var link = document.createElement("a");
    link.href = "/case/" + encodeURIComponent(alert.code);
    link.textContent = alert.text;
    item.appendChild(title);
    item.appendChild(link);
    alerts.insertBefore(item, alerts.firstChild);
    while (alerts.children.length > 10) { alerts.removeChild(alerts.lastChild); }
    refresh();
  });
})();
// Web Push: the "alerts on this phone" button registers the service worker, subscribes with
// the deployment's VAPID key and hands the subscription to the console (a form post with the
// page's CSRF token). Shown only where the browser can do it.
(function () {
  "use strict";
  var button = document.getElementById("push-subscribe");
  var status = document.getElementById("push-status");
  if (!button || !("serviceWorker" in navigator)) { return; }
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
    document.documentElement.dataset.serviceWorker = "registered";
    if (!("PushManager" in window)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch("/push/key", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (key) {
          return registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: key.publicKey });
        })
        .then(function (subscription) {
          var json = subscription.toJSON();
          var body = new URLSearchParams();
          body.set("csrf", button.dataset.csrf);
          body.set("endpoint", json.endpoint);
          body.set("p256dh", json.keys.p256dh);
          body.set("auth", json.keys.auth);
          return fetch("/push/subscribe", { method: "POST", body: body,
                                            credentials: "same-origin" });
        })
        .then(function (r) {
          if (!r.ok) { throw new Error("refused"); }
          status.textContent = button.dataset.done;
        })
        .catch(function () { status.textContent = button.dataset.failed; });
    });
  }).catch(function () { document.documentElement.dataset.serviceWorker = "failed"; });
})();
