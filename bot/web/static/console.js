// Bình An staff console: live updates. The server sends an "alert" or "queue" event; the queue
// reloads itself through htmx (hx-trigger="refresh from:body"), and an alert also shows a banner.
(function () {
  "use strict";
  var alerts = document.getElementById("alerts");
  var live = document.getElementById("live");
  if (!alerts || !window.EventSource) { return; }
  var source = new EventSource("/events");
  function refresh() { document.body.dispatchEvent(new Event("refresh")); }
  source.addEventListener("open", function () {
    live.textContent = live.dataset.online;
    live.classList.remove("offline");
    refresh();
  });
  source.addEventListener("error", function () {
    live.textContent = live.dataset.offline;
    live.classList.add("offline");
  });
  source.addEventListener("queue", refresh);
  source.addEventListener("alert", function (event) {
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
