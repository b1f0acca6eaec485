#!/usr/bin/env node
// Make the npm package `solc` (solc-js) answer like the native solc binary, for the two
// modes zkanchor and py-solc-x use:
//
//   shim.js [--node-modules DIR] --version          prints "Version: <long version>"
//   shim.js [--node-modules DIR] --standard-json    Standard JSON in on stdin, out on stdout
//
// `--node-modules DIR` says where to load `solc` from (the project's node_modules); without
// it the usual Node resolution (including NODE_PATH) applies.  `--base-path`/`--allow-paths`
// take a value and are accepted but ignored: the shim resolves no imports from disk, so
// there is nothing for them to restrict.
"use strict";

const path = require("path");

const VALUE_OPTIONS = new Set(["--base-path", "--allow-paths", "--include-path"]);

function fail(message, code) {
    process.stderr.write(message + "\n");
    process.exitCode = code;
}

function parseArgs(argv) {
    const opts = { mode: null, nodeModules: null };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--version") opts.mode = "version";
        else if (arg === "--standard-json") opts.mode = "standard-json";
        else if (arg === "--node-modules") opts.nodeModules = argv[++i];
        else if (VALUE_OPTIONS.has(arg)) i++;
        else if (arg === "-") continue;
        else return { error: `unrecognised option '${arg}'` };
    }
    return opts;
}

function loadSolc(nodeModules) {
    if (!nodeModules) return require("solc");
    return require(require.resolve("solc", { paths: [path.resolve(nodeModules)] }));
}

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on("data", (c) => chunks.push(c));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

function refuseImport(importPath) {
    return { error: `the solc-js shim does not read imports from disk (${importPath}); pass every source in the JSON input` };
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.error) return fail(opts.error, 1);
    if (!opts.mode) return fail("usage: solcjs_shim.js [--node-modules DIR] (--version | --standard-json)", 1);

    let solc;
    try {
        solc = loadSolc(opts.nodeModules);
    } catch (err) {
        return fail(`cannot load the npm package 'solc': ${err.message}`, 2);
    }

    if (opts.mode === "version") {
        process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
        return;
    }
    const input = await readStdin();
    // Like native solc, compile errors are reported inside the JSON output with exit code 0.
    // Writing without process.exit() lets a large output drain fully into the pipe.
    process.stdout.write(solc.compile(input, { import: refuseImport }));
}

main().catch((err) => fail(`solc-js shim failed: ${err && err.stack ? err.stack : err}`, 2));
