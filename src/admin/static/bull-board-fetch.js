/* Opened as http://user:key@host/admin/queues, the page's base URL carries the credentials,
 * and fetch() refuses a relative URL resolved against it ("Request cannot be constructed from
 * a URL that includes credentials"): Bull Board then waits for its locale file to time out.
 * (location.href hides them, so the page cannot tell.) Relative fetch() URLs are resolved on
 * location.origin instead, which has none; the browser still sends the Basic credentials it
 * signed in with. Absolute URLs pass unchanged. */
(function () {
  'use strict';
  var originalFetch = window.fetch;
  var absolute = /^[a-z][a-z0-9+.-]*:/i;
  window.fetch = function (input, init) {
    if (typeof input === 'string' && !absolute.test(input)) {
      var base = document.querySelector('base');
      var from = new URL(base ? base.getAttribute('href') : location.pathname, location.origin);
      input = new URL(input, from).href;
    }
    return originalFetch.call(this, input, init);
  };
})();
