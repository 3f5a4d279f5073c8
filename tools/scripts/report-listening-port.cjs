// Preloaded into Azurite (NODE_OPTIONS=--require) so that it can be started on port 0: every server that starts
// listening prints "listening-port <port>" to stdout. Azurite's table service only echoes the port it was given, and
// picking a free port ahead of time races with every other process on the machine.
"use strict";
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once("listening", () => {
    const address = this.address();
    if (address && typeof address === "object") {
      process.stdout.write(`listening-port ${address.port}\n`);
    }
  });
  return listen.apply(this, args);
};
