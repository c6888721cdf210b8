/*
 * The demo page only (not part of the widget): `?lang=fr` (or nl, en) in the page's address sets the widget's
 * `lang`, so each language can be tried without editing the page. It runs before trialchat.js (which is deferred)
 * and is a file of its own because the demo server's Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  var match = /[?&]lang=([A-Za-z_-]{2,10})(?:&|$)/.exec(window.location.search);
  if (match) window.trialChatConfig = { lang: match[1] };
})();
