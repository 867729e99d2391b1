// leadgen dashboard: the little script there is (served from /app/static/, never inline).
// Pages work without it; it only adds conveniences.
document.addEventListener('DOMContentLoaded', function () {
  // "select all" boxes for tables of leads
  document.querySelectorAll('input[data-select-all]').forEach(function (box) {
    box.addEventListener('change', function () {
      document.querySelectorAll('input[name="' + box.dataset.selectAll + '"]').forEach(
        function (b) { b.checked = box.checked; });
    });
  });
  // buttons that ask before doing something that cannot be undone
  document.querySelectorAll('[data-confirm]').forEach(function (el) {
    el.addEventListener('click', function (e) {
      if (!window.confirm(el.dataset.confirm)) e.preventDefault();
    });
  });
  // pages of running work refresh themselves
  var refresh = document.querySelector('meta[name="lg-refresh"]');
  if (refresh) setTimeout(function () { location.reload(); }, 1000 * +refresh.content);
});
