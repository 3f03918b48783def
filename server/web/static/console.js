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
// htmx swaps no 4xx/5xx answer by default. The console's refusals of an htmx request carry
// HX-Retarget (#messages, see render_error in server/web/__init__.py): show those, and nothing else.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.isError && event.detail.xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
