// whatsapp-web.js pulls puppeteer, whose install would download a browser: this network only reaches
// the npm and Debian registries, so the live client uses Debian's chromium instead.
module.exports = { skipDownload: true };
