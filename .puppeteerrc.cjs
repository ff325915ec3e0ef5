/**
 * whatsapp-web.js drives a browser through puppeteer. Installing must never download one: the project runs
 * Debian's `chromium`, installed by scripts/setup.sh (see docs/bridges.md).
 * @type {import('puppeteer').Configuration}
 */
module.exports = { skipDownload: true };
