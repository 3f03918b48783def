// The console's only script of its own: every htmx request carries the page's CSRF token.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
// A button with data-confirm asks before its form is sent.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var text = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (text && !window.confirm(text)) event.preventDefault();
});
