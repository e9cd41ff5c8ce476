#!/usr/bin/env node
// This file must parse and run on any Node.js that may be first on a PATH, so that an old one
// prints a sentence instead of a SyntaxError: ES5 syntax plus import(), which Node.js parses from
// version 10 on; no static import and no import.meta, so that it parses as CommonJS too, as
// Node.js before 12.17 reads it. The built CLI is loaded only after the check.

var NEEDED = [20, 19];
var parts = process.versions.node.split('.').map(Number);
if (parts[0] < NEEDED[0] || (parts[0] === NEEDED[0] && parts[1] < NEEDED[1])) {
  process.stderr.write('error: traces needs Node.js ' + NEEDED.join('.') + ' or newer; this is ' + process.version + '\n');
  process.exit(2);
}

import('../dist/cli.js').then(
  function (cli) {
    cli.run();
  },
  function (error) {
    if (!error || error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // A clone where `npm install` (which builds dist/ through `prepare`) has not run yet.
    if (/\/dist\/cli\.js$/.test(String(error.url))) {
      process.stderr.write('error: dist/ is missing: run npm install (it builds dist/)\n');
    } else {
      // dist/ is there but a package it imports is not (node_modules missing or partial).
      process.stderr.write('error: ' + error.message + '\nRun npm install in a clone, or reinstall traces.\n');
    }
    process.exit(2);
  },
);
